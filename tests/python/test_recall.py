"""nearest_concepts / nearest_episodes from Python, on the memory and sqlite
plugins: the hits equal numpy's brute force under each metric, the filters
apply before the top k, skipped counts what cannot be scored, bad queries
are InvalidArgument."""
import threading

import numpy as np
import pytest

import engram


@pytest.fixture(params=["memory", "sqlite"])
def concepts(request, open_role):
    return open_role(request.param, "concepts").concepts


@pytest.fixture(params=["memory", "sqlite"])
def episodes(request, open_role):
    return open_role(request.param, "episodes").episodes


def reference(query, rows, metric, k):
    """(id, score) of the k rows nearest `query`, best first, ties to the
    lower id, scored in float64 from the stored values; rows of another
    shape, or of zero norm under cosine, left out."""
    q = np.asarray(query, dtype=np.float64)
    scored = []
    for row_id, embedding in rows:
        e = np.asarray(embedding, dtype=np.float64)
        if e.shape != q.shape or (metric == "cosine" and not np.linalg.norm(e)):
            continue
        a, b = q.ravel(), e.ravel()  # an (m, n) array scores as its m·n values
        if metric == "cosine":
            score = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
        elif metric == "dot":
            score = a @ b
        else:
            score = np.linalg.norm(a - b)
        scored.append((score if metric == "l2" else -score, row_id, score))
    scored.sort()
    return [(row_id, score) for _, row_id, score in scored[:k]]


def assert_matches(recall, want):
    assert [hit.record.id for hit in recall.hits] == [row_id for row_id, _ in want]
    np.testing.assert_allclose([hit.score for hit in recall.hits], [s for _, s in want],
                               rtol=1e-5, atol=1e-6)


def store_concepts(concepts, count=40, dim=16, seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(count):
        embedding = rng.standard_normal(dim).astype(np.float32)
        kind = ("animal", "plant", "stone")[i % 3]
        concept_id = concepts.store_concept(f"{kind}_{i}", embedding, {"kind": kind, "i": i},
                                            creation_time=1000.0 + i)
        rows.append((concept_id, embedding))
    return rows, rng


@pytest.mark.parametrize("metric", ["cosine", "dot", "l2"])
def test_nearest_concepts_equal_numpy(concepts, metric):
    rows, rng = store_concepts(concepts)
    for dtype in (np.float16, np.float32, np.float64):
        query = rng.standard_normal(16).astype(dtype)
        recall = concepts.nearest_concepts(query, 7, metric=metric)
        assert isinstance(recall, engram.Recall)
        assert recall.skipped == 0 and len(recall) == 7
        assert_matches(recall, reference(query, rows, metric, 7))
        assert all(isinstance(hit.record, engram.Concept) for hit in recall)
    # The enum is the same metric as its name; a list is an array-like.
    by_enum = concepts.nearest_concepts(list(map(float, query)), 7,
                                        metric=getattr(engram.RecallMetric, metric))
    assert [h.record.id for h in by_enum.hits] == [h.record.id for h in recall.hits]


def test_hits_unpack_and_records_are_whole(concepts):
    rows, _ = store_concepts(concepts, count=5)
    query = rows[2][1]
    recall = concepts.nearest_concepts(query, 2)
    (first, score), _ = recall
    assert first.id == rows[2][0] and first.name == "stone_2" and score == pytest.approx(1.0)
    assert first.metadata == {"kind": "stone", "i": 2} and first.creation_time == 1002.0
    np.testing.assert_array_equal(first.embedding, query)
    assert first.access_count == 0
    assert "Recall(2 hits, 0 skipped)" == repr(recall)
    assert repr(recall.hits[0]).startswith("Hit(record=Concept(")


def test_concept_filters_apply_before_the_top_k(concepts):
    rows, rng = store_concepts(concepts)
    query = rng.standard_normal(16)
    by_id = dict(rows)
    names = {concepts.retrieve_concept(i).name: i for i, _ in rows}

    plants = [(i, e) for i, e in rows if concepts.retrieve_concept(i).metadata["kind"] == "plant"]
    for condition in (("kind", "plant"), ["kind", "plant"], {"kind": "plant"}):
        recall = concepts.nearest_concepts(query, 5, metadata_equals=condition)
        assert_matches(recall, reference(query, plants, "cosine", 5))
    # JSON equality: 4 equals 4.0, not "4".
    assert [h.record.name for h in concepts.nearest_concepts(query, 5,
                                                              metadata_equals=("i", 4.0))] == \
        ["plant_4"]
    assert concepts.nearest_concepts(query, 5, metadata_equals=("i", "4")).hits == []

    prefixed = [(i, by_id[i]) for name, i in names.items() if name.startswith("stone_1")]
    recall = concepts.nearest_concepts(query, 3, name_prefix="stone_1")
    assert_matches(recall, reference(query, prefixed, "cosine", 3))

    created = [(i, e) for i, e in rows if 1010.0 <= concepts.retrieve_concept(i).creation_time
               <= 1019.0]
    recall = concepts.nearest_concepts(query, 4, metric="l2", created_between=(1010.0, 1019.0))
    assert_matches(recall, reference(query, created, "l2", 4))
    assert concepts.nearest_concepts(query, 4, created_between=(5.0, 1.0)).hits == []


def test_count_access_and_accessed_between(concepts):
    rows, rng = store_concepts(concepts, count=6)
    query = rng.standard_normal(16)
    recall = concepts.nearest_concepts(query, 2)
    assert all(concepts.retrieve_concept(i).access_count == 0 for i, _ in rows)
    counted = concepts.nearest_concepts(query, 2, count_access=True)
    assert [h.record.access_count for h in counted] == [1, 1]
    assert [h.record.id for h in counted] == [h.record.id for h in recall]
    assert sum(concepts.retrieve_concept(i).access_count for i, _ in rows) == 2
    last = counted.hits[0].record.last_accessed
    assert last > 0
    recent = concepts.nearest_concepts(query, 6, accessed_between=(last - 60, last + 60))
    assert sorted(h.record.id for h in recent) == sorted(h.record.id for h in counted)


def test_skipped_counts_what_cannot_be_scored(concepts):
    rows, rng = store_concepts(concepts, count=6)
    concepts.store_concept("short", np.ones(4, dtype=np.float32))
    concepts.store_concept("zero", np.zeros(16, dtype=np.float32))
    query = rng.standard_normal(16)
    cosine = concepts.nearest_concepts(query, 10)
    assert cosine.skipped == 2 and len(cosine) == 6
    assert_matches(cosine, reference(query, rows, "cosine", 10))
    l2 = concepts.nearest_concepts(query, 10, metric="l2")
    assert l2.skipped == 1 and len(l2) == 7  # the zero embedding has a distance
    # The filter counts first: a skipped row it rejects is not counted.
    assert concepts.nearest_concepts(query, 10, name_prefix="animal").skipped == 0


def test_bad_queries_and_arguments_are_invalid_argument(concepts):
    store_concepts(concepts, count=3)
    for query in (np.zeros(16), np.arange(16, dtype=np.int32), np.full(16, np.nan),
                  np.array([], dtype=np.float32), "text"):
        with pytest.raises(engram.InvalidArgument):
            concepts.nearest_concepts(query, 3)
    with pytest.raises(engram.InvalidArgument):
        concepts.nearest_concepts(np.ones(16), 0)
    with pytest.raises(engram.InvalidArgument):
        concepts.nearest_concepts(np.ones(16), 3, metric="manhattan")
    with pytest.raises(engram.InvalidArgument):
        concepts.nearest_concepts(np.ones(16), 3, metadata_equals={"a": 1, "b": 2})
    with pytest.raises(engram.InvalidArgument):
        concepts.nearest_concepts(np.ones(16), 3, metadata_equals=(1, 2))
    with pytest.raises(engram.InvalidArgument):
        concepts.nearest_concepts(np.ones(16), 3, created_between=(1.0,))
    with pytest.raises(engram.InvalidArgument):
        concepts.nearest_concepts(np.ones(16), 3, created_between=(float("nan"), 1.0))
    # The zero vector is a query under dot and l2.
    assert len(concepts.nearest_concepts(np.zeros(16), 3, metric="l2")) == 3


@pytest.mark.parametrize("metric", ["cosine", "dot", "l2"])
def test_nearest_episodes_equal_numpy_and_filter(episodes, metric):
    rng = np.random.default_rng(11)
    rows, meta = [], {}
    for i in range(30):
        data = rng.standard_normal((4, 5)).astype(np.float32)
        episode_id = episodes.store_episode(data, i / 30, f"ctx{i % 2}", timestamp=2000.0 + i)
        rows.append((episode_id, data))
        meta[episode_id] = (f"ctx{i % 2}", i / 30, 2000.0 + i)
    episodes.store_episode({"json": True}, 0.9, "ctx0")  # not an array: not a candidate
    episodes.store_episode(np.ones(3), 0.9, "ctx0")      # another shape: skipped
    query = rng.standard_normal((4, 5))
    recall = episodes.nearest_episodes(query, 6, metric=metric)
    assert recall.skipped == 1
    assert_matches(recall, reference(query, rows, metric, 6))
    assert all(isinstance(record, engram.Episode) for record, _ in recall)

    ctx1 = [(i, d) for i, d in rows if meta[i][0] == "ctx1"]
    assert_matches(episodes.nearest_episodes(query, 4, metric=metric, context_hash="ctx1"),
                   reference(query, ctx1, metric, 4))
    good = [(i, d) for i, d in rows if meta[i][1] >= 0.5]
    assert_matches(episodes.nearest_episodes(query, 4, metric=metric, min_score=0.5),
                   reference(query, good, metric, 4))
    timed = [(i, d) for i, d in rows if 2005.0 <= meta[i][2] <= 2012.0]
    assert_matches(episodes.nearest_episodes(query, 20, metric=metric,
                                             time_between=(2005.0, 2012.0)),
                   reference(query, timed, metric, 20))
    with pytest.raises(engram.InvalidArgument):
        episodes.nearest_episodes(np.full((4, 5), np.inf), 3, metric=metric)


def test_recalls_from_several_threads_agree(concepts):
    rows, rng = store_concepts(concepts, count=200, dim=64)
    query = rng.standard_normal(64)
    want = [h.record.id for h in concepts.nearest_concepts(query, 5)]
    results, errors = [], []

    def work():
        try:
            for _ in range(20):
                results.append([h.record.id for h in concepts.nearest_concepts(query, 5)])
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(results) == 60 and all(r == want for r in results)
