"""numpy arrays in and out: every dtype, any layout, no copies."""
import gc

import numpy as np
import pytest

import engram

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]


def sample(dtype, shape=(3, 4)):
    values = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) - 5
    if dtype == "bool":
        return values > 0
    if dtype.startswith("complex"):
        return (values + 1j * values[::-1]).astype(dtype)
    return values.astype(dtype)


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_round_trips_through_episodes(open_role, backend, dtype):
    episodes = open_role(backend, "episodes").episodes
    value = sample(dtype)
    back = episodes.retrieve_episode(episodes.store_episode(value, 0.5, "dtypes")).experience_data
    assert back.dtype == np.dtype(dtype)
    assert back.shape == value.shape
    np.testing.assert_array_equal(back, value)


@pytest.mark.parametrize("backend", ["memory", "hdf5"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_dtype_round_trips_through_traces(open_role, backend, dtype):
    traces = open_role(backend, "traces").traces
    value = sample(dtype, (5,))
    back = traces.retrieve_plasticity_trace(traces.store_plasticity_trace(1.0, value))
    assert back.synapse_changes.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(back.synapse_changes, value)


@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (2, 3, 4)])
def test_zero_d_empty_and_nd_arrays_round_trip(open_role, shape):
    episodes = open_role("sqlite", "episodes").episodes
    value = np.full(shape, 7, dtype=np.float32)
    back = episodes.retrieve_episode(episodes.store_episode(value, 0.5, "shapes")).experience_data
    assert back.shape == shape and back.dtype == np.float32
    np.testing.assert_array_equal(back, value)


@pytest.mark.parametrize("make", [
    lambda a: a.astype(a.dtype.newbyteorder(">")),          # big-endian
    lambda a: np.asfortranarray(a),                        # Fortran order
    lambda a: np.ascontiguousarray(np.repeat(a, 2, axis=1))[:, ::2],  # strided
    lambda a: a.T.copy().T,                                # transposed view
])
def test_any_layout_and_byte_order_is_accepted(open_role, make):
    episodes = open_role("memory", "episodes").episodes
    value = sample("float64")
    given = make(value)
    np.testing.assert_array_equal(given, value)
    back = episodes.retrieve_episode(episodes.store_episode(given, 0.5, "layout")).experience_data
    assert back.dtype == np.float64 and back.dtype.isnative
    assert back.flags.c_contiguous
    np.testing.assert_array_equal(back, value)


def test_array_likes_are_accepted(open_role):
    traces = open_role("memory", "traces").traces

    class HasArray:  # as a JAX array offers itself
        def __array__(self, dtype=None):
            return np.arange(4, dtype=np.int32)

    class DLPackOnly:  # an array of another library, reachable only through DLPack
        def __init__(self, array):
            self._array = array

        def __dlpack__(self, stream=None):
            return self._array.__dlpack__()

        def __dlpack_device__(self):
            return self._array.__dlpack_device__()

    for given, expected in [
        (HasArray(), np.arange(4, dtype=np.int32)),
        (DLPackOnly(np.arange(6, dtype=np.uint16)), np.arange(6, dtype=np.uint16)),
        ([1.5, 2.5], np.array([1.5, 2.5])),
        (memoryview(np.arange(3, dtype=np.int16)), np.arange(3, dtype=np.int16)),
    ]:
        back = traces.retrieve_reservoir_states(traces.store_reservoir_states(1.0, given))
        assert back.reservoir_states.dtype == expected.dtype
        np.testing.assert_array_equal(back.reservoir_states, expected)


@pytest.mark.parametrize("bad", [np.array(["a", "b"]), np.array([object()]),
                                 np.zeros(2, dtype="datetime64[s]")])
def test_a_dtype_engram_lacks_is_invalid_argument(open_role, bad):
    episodes = open_role("memory", "episodes").episodes
    with pytest.raises(engram.InvalidArgument, match="not an engram dtype"):
        episodes.store_episode(bad, 0.5, "bad")
    assert episodes.list_episodes().items == []


def test_stores_read_the_callers_buffer_at_call_time(open_role):
    episodes = open_role("memory", "episodes").episodes
    value = np.zeros(4)
    first = episodes.store_episode(value, 0.5, "buffer")
    value[:] = 1
    second = episodes.store_episode(value, 0.5, "buffer")
    np.testing.assert_array_equal(episodes.retrieve_episode(first).experience_data, np.zeros(4))
    np.testing.assert_array_equal(episodes.retrieve_episode(second).experience_data, np.ones(4))


def test_a_batch_borrows_the_callers_buffer_without_a_copy(open_role):
    # The batch views the C-contiguous array in place (as the C++ batch
    # borrows): a change made after adding and before store_batch is what
    # gets stored. A non-contiguous array is copied once when added, so a
    # later change to it is not seen.
    episodes = open_role("sqlite", "episodes").episodes
    contiguous = np.zeros(5)
    strided = np.zeros(10)[::2]
    batch = engram.EpisodeBatch()
    batch.store_episode(contiguous, 0.5, "borrow")
    batch.store_episode(strided, 0.5, "borrow")
    contiguous[:] = 9
    strided[:] = 9
    ids = episodes.store_batch(batch).episode_ids
    np.testing.assert_array_equal(episodes.retrieve_episode(ids[0]).experience_data, np.full(5, 9.0))
    np.testing.assert_array_equal(episodes.retrieve_episode(ids[1]).experience_data, np.zeros(5))


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_arrays_out_own_engrams_buffer(open_role, backend):
    storage = open_role(backend, "episodes")
    episodes = storage.episodes
    value = np.arange(100 * 50, dtype=np.float64).reshape(100, 50)
    back = episodes.retrieve_episode(episodes.store_episode(value, 0.5, "out")).experience_data
    assert not back.flags.owndata
    assert type(back.base).__name__ == "PyCapsule"
    assert back.flags.writeable and back.flags.c_contiguous
    back[0, 0] = -1  # the caller's own copy: the store is unchanged
    again = episodes.retrieve_episode(episodes.list_episodes().items[0].id).experience_data
    assert again[0, 0] == 0
    storage.close()
    del episodes, storage
    gc.collect()
    assert back[1, 1] == 51  # the buffer outlives every engram object
