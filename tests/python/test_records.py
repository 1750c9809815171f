"""The record classes: the C++ fields and defaults, conversions, repr."""
import numpy as np
import pytest

import engram


def test_defaults_are_the_cpp_defaults():
    assert engram.ReservoirStates().reservoir_id == "default"
    assert engram.PlasticityTrace().plasticity_type == "stdp"
    assert engram.HomeostaticTrace().mechanism == "intrinsic_plasticity"
    assert engram.PerformanceMetrics().task_type == "general"
    assert engram.Relationship().strength == 1.0
    episode = engram.Episode()
    assert (episode.id, episode.timestamp, episode.metadata) == (0, 0.0, {})
    pattern = engram.WorkingMemoryPattern()
    assert pattern.ttl is None and pattern.last_accessed is None
    assert engram.SpikeTrainData().spike_amplitudes is None
    assert engram.CachedSpikeTrain().neuron_ids == []


def test_fields_convert():
    pattern = engram.WorkingMemoryPattern(pattern_hash="p", pattern=[1, 2], ttl=1.5)
    assert pattern.ttl == 1.5
    pattern.ttl = 0.0004  # whole milliseconds, rounded
    assert pattern.ttl == 0.0
    pattern.ttl = None
    assert pattern.ttl is None
    with pytest.raises(engram.InvalidArgument):
        pattern.ttl = float("inf")
    train = engram.SpikeTrainData(spike_amplitudes=np.ones(2))
    assert train.spike_amplitudes is not None
    train.spike_amplitudes = None
    assert train.spike_amplitudes is None
    episode = engram.Episode(experience_data=np.ones(2))
    assert isinstance(episode.experience_data, np.ndarray)
    episode.experience_data = {"k": 1}
    assert episode.experience_data == {"k": 1}


def test_a_record_with_no_array_cannot_be_stored():
    batch = engram.TraceBatch()
    with pytest.raises(engram.InvalidArgument, match="None"):
        batch.put(engram.ReservoirStates(timestamp=1.0))
    assert batch.empty()


def test_repr_shows_fields_and_array_shapes():
    text = repr(engram.Episode(id=3, experience_data=np.zeros((2, 3)), context_hash="maze"))
    assert text.startswith("Episode(") and "id=3" in text and "context_hash='maze'" in text
    assert "<float64 array (2, 3)>" in text
    assert "Relationship(source_id=1" in repr(engram.Relationship(source_id=1))
