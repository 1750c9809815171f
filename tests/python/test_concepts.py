"""ConceptStore from Python, on the memory and sqlite plugins."""
import numpy as np
import pytest

import engram


@pytest.fixture(params=["memory", "sqlite"])
def concepts(request, open_role):
    return open_role(request.param, "concepts").concepts


def test_concepts_and_relationships(concepts):
    cat = concepts.store_concept("cat", np.ones(8, dtype=np.float32), {"kind": "animal"},
                                 creation_time=10.0)
    dog = concepts.store_concept("dog", np.zeros(8, dtype=np.float32))
    assert concepts.store_concept("cat", np.full(8, 2, dtype=np.float32)) == cat

    found = concepts.retrieve_concept(cat)
    assert isinstance(found, engram.Concept)
    assert (found.name, found.creation_time, found.access_count) == ("cat", 10.0, 0)
    np.testing.assert_array_equal(found.embedding, np.full(8, 2, dtype=np.float32))
    assert found.metadata == {}
    by_name = concepts.retrieve_concept_by_name("dog")
    assert by_name.id == dog and by_name.access_count == 1 and by_name.last_accessed > 0
    assert concepts.retrieve_concept_by_name("cow") is None
    assert concepts.retrieve_concept(10**9) is None
    assert [c.name for c in concepts.search_concepts("o")] == ["dog"]
    assert [c.name for c in concepts.search_concepts("%", limit=1)] == ["dog"]

    concepts.add_concept_relationship(cat, dog, "chases", 0.5)
    concepts.add_concept_relationship(cat, dog, "likes")
    relationships = concepts.get_concept_relationships(cat)
    assert [(r.target_id, r.type, r.strength) for r in relationships] == \
        [(dog, "likes", 1.0), (dog, "chases", 0.5)]
    assert [r.type for r in concepts.get_concept_relationships(cat, "chases")] == ["chases"]
    assert concepts.get_concept_relationships(dog) == []
    with pytest.raises(engram.InvalidArgument):
        concepts.add_concept_relationship(cat, 10**9, "chases")


def test_batch_and_listings(concepts):
    batch = engram.ConceptBatch()
    for i in range(4):
        batch.store_concept(f"c{i}", np.full(3, i, dtype=np.float64), {"i": i})
    batch.put(engram.Concept(name="whole", embedding=np.ones(3), creation_time=1.0,
                             access_count=7, last_accessed=2.0))
    assert not batch.is_whole_record(0) and batch.is_whole_record(4)
    ids = concepts.store_batch(batch)
    assert len(ids) == 5
    assert concepts.retrieve_concept(ids[4]).access_count == 7
    relationships = engram.ConceptBatch()
    relationships.add_concept_relationship(ids[0], ids[1], "next", 0.25)
    relationships.put(engram.Relationship(source_id=ids[1], target_id=ids[2], type="next"))
    assert concepts.store_batch(relationships) == []

    names, cursor = [], ""
    while True:
        page = concepts.list_concepts(cursor, limit=2, undecodable="skip")
        names += [c.name for c in page.items]
        if page.last():
            break
        cursor = page.next_cursor
    assert names == ["c0", "c1", "c2", "c3", "whole"]
    listed = concepts.list_relationships()
    assert [(r.source_id, r.target_id, r.strength) for r in listed.items] == \
        [(ids[0], ids[1], 0.25), (ids[1], ids[2], 1.0)]
