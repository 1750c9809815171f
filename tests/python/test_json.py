"""Metadata and parameters: Python objects to engram's JSON and back."""
import numpy as np
import pytest

import engram

VALUE = {
    "text": "ünïcødé ✓",
    "nested": {"list": [1, 2.5, None, True, False, "s", [], {}], "empty": {}},
    "big": 2**63 - 1, "small": -(2**63), "unsigned": 2**64 - 1,
    "float": 1e-300, "bool": True, "none": None,
}


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_metadata_round_trips_whole(open_role, backend):
    episodes = open_role(backend, "episodes").episodes
    episode = episodes.retrieve_episode(episodes.store_episode(np.zeros(1), 0.5, "j", metadata=VALUE))
    assert episode.metadata == VALUE
    assert type(episode.metadata["bool"]) is bool and type(episode.metadata["big"]) is int


def test_tuples_and_numpy_scalars_become_json(open_role):
    episodes = open_role("memory", "episodes").episodes
    given = {"tuple": (1, 2), "i": np.int64(5), "f": np.float32(1.5), "b": np.bool_(True),
             "u": np.uint8(7)}
    episode = episodes.retrieve_episode(episodes.store_episode(np.zeros(1), 0.5, "j", metadata=given))
    assert episode.metadata == {"tuple": [1, 2], "i": 5, "f": 1.5, "b": True, "u": 7}
    assert type(episode.metadata["b"]) is bool


@pytest.mark.parametrize("bad", [
    {"nan": float("nan")}, {"inf": [float("inf")]}, {1: "int key"}, {"huge": 2**64},
    {"set": {1, 2}}, {"array": np.zeros(2)}, {"bytes": b"x"},
])
def test_what_json_cannot_hold_is_invalid_argument(open_role, bad):
    episodes = open_role("memory", "episodes").episodes
    with pytest.raises(engram.InvalidArgument):
        episodes.store_episode(np.zeros(1), 0.5, "j", metadata=bad)
    assert episodes.list_episodes().items == []


def test_metadata_must_be_an_object(open_role):
    episodes = open_role("memory", "episodes").episodes
    with pytest.raises(engram.InvalidArgument):
        episodes.store_episode(np.zeros(1), 0.5, "j", metadata=[1, 2])


def test_record_fields_convert_both_ways():
    episode = engram.Episode(experience_data={"a": [1, 2]}, metadata={"k": "v"})
    assert episode.experience_data == {"a": [1, 2]} and episode.metadata == {"k": "v"}
    episode.metadata = {"other": 1.5}
    assert episode.metadata == {"other": 1.5}
    with pytest.raises(engram.InvalidArgument):
        episode.metadata = {"x": object()}
