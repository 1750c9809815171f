// concept_store.cpp — engram::ConceptStore as the Python class ConceptStore
// (see roles.h).
#include "engram/concept_store.h"

#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "arrays.h"
#include "batches.h"
#include "json.h"
#include "recall.h"
#include "records.h"
#include "roles.h"
#include "without_gil.h"

namespace engram::python {

void bind_concept_store(py::module_& module) {
  using Store = ConceptStore;
  py::class_<Store, std::shared_ptr<Store>>(module, "ConceptStore",
                                            "The concepts role (engram/concept_store.h): concepts "
                                            "with embeddings and typed relationships.")
      .def(
          "store_concept",
          [](Store& s, const std::string& name, py::handle embedding, py::handle metadata,
             std::optional<double> creation_time) {
            const Json meta = json_in(metadata);
            const HeldArray array = array_in(embedding);
            return without_gil(
                [&] { return s.store_concept(name, array.view, meta, creation_time); });
          },
          py::arg("name"), py::arg("embedding"), py::arg("metadata") = py::dict(),
          py::arg("creation_time") = py::none())
      .def(
          "retrieve_concept",
          [](Store& s, std::int64_t concept_id) -> std::optional<PyConcept> {
            auto found = without_gil([&] { return s.retrieve_concept(concept_id); });
            if (!found) return std::nullopt;
            return record_out(std::move(*found));
          },
          py::arg("concept_id"))
      .def(
          "retrieve_concept_by_name",
          [](Store& s, const std::string& name) -> std::optional<PyConcept> {
            auto found = without_gil([&] { return s.retrieve_concept_by_name(name); });
            if (!found) return std::nullopt;
            return record_out(std::move(*found));
          },
          py::arg("name"))
      .def(
          "search_concepts",
          [](Store& s, const std::string& query, std::size_t limit) {
            return list_out(without_gil([&] { return s.search_concepts(query, limit); }));
          },
          py::arg("query"), py::arg("limit") = 10)
      .def(
          "add_concept_relationship",
          [](Store& s, std::int64_t source_id, std::int64_t target_id,
             const std::string& relationship_type, double strength) {
            without_gil([&] {
              s.add_concept_relationship(source_id, target_id, relationship_type, strength);
            });
          },
          py::arg("source_id"), py::arg("target_id"), py::arg("relationship_type"),
          py::arg("strength") = 1.0)
      .def(
          "get_concept_relationships",
          [](Store& s, std::int64_t concept_id, std::optional<std::string> relationship_type) {
            return without_gil(
                [&] { return s.get_concept_relationships(concept_id, relationship_type); });
          },
          py::arg("concept_id"), py::arg("relationship_type") = py::none())
      .def(
          "store_batch",
          [](Store& s, const PyBatch<ConceptBatch>& batch) {
            return without_gil([&] { return s.store_batch(batch.batch); });
          },
          py::arg("batch"))
      .def(
          "list_concepts",
          [](Store& s, const std::string& cursor, std::size_t limit,
             const std::string& undecodable) {
            const Undecodable mode = undecodable_in(undecodable);
            return page_out(without_gil([&] { return s.list_concepts(cursor, limit, mode); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 100, py::arg("undecodable") = "fail")
      .def(
          "list_relationships",
          [](Store& s, const std::string& cursor, std::size_t limit,
             const std::string& undecodable) {
            const Undecodable mode = undecodable_in(undecodable);
            return page_out(without_gil([&] { return s.list_relationships(cursor, limit, mode); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 100, py::arg("undecodable") = "fail")
      .def(
          "nearest_concepts",
          [](Store& s, py::handle query, std::size_t k, py::handle metric,
             std::optional<std::string> name_prefix, py::handle metadata_equals,
             py::handle created_between, py::handle accessed_between, bool count_access) {
            ConceptRecallOptions options;
            options.metric = metric_in(metric);
            options.filter.name_prefix = std::move(name_prefix);
            options.filter.metadata_equals = metadata_equals_in(metadata_equals);
            options.filter.created_between = time_range_in(created_between, "created_between");
            options.filter.accessed_between = time_range_in(accessed_between, "accessed_between");
            options.count_access = count_access;
            const HeldArray array = array_in(query);
            return recall_out(
                without_gil([&] { return s.nearest_concepts(array.view, k, options); }));
          },
          py::arg("query"), py::arg("k"), py::arg("metric") = "cosine",
          py::arg("name_prefix") = py::none(), py::arg("metadata_equals") = py::none(),
          py::arg("created_between") = py::none(), py::arg("accessed_between") = py::none(),
          py::arg("count_access") = false,
          "The k concepts nearest `query` (any float16/32/64 array-like) under `metric`, among "
          "those the filters admit, as a Recall (engram/recall.h).")
      .def("maintenance", &Store::maintenance, py::return_value_policy::reference_internal);
}

}  // namespace engram::python
