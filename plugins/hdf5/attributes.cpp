// The seed's attributes (attributes.h).
#include "attributes.h"

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

#include "dtype_mapping.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/record_limits.h"
#include "hdf5_errors.h"
#include "seed_layout.h"

namespace engram::hdf5 {
namespace {

// A UTF-8 variable-length string type, as h5py writes str.
Hid utf8_string_type() {
  Hid type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

}  // namespace

void Attributes::put_double(const char* name, double value) const {
  put_scalar(name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void Attributes::put_int(const char* name, std::int64_t value) const {
  put_scalar(name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

void Attributes::put_bool(const char* name, bool value) const {
  Hid type = hdf5_type_of(DType::kBool);
  const std::int8_t v = value ? 1 : 0;
  put_scalar(name, type.get(), type.get(), &v);
}

void Attributes::put_ints(const char* name, const std::vector<std::int64_t>& values) const {
  const hsize_t n = values.size();
  Hid space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Hid attr = create(name, H5T_STD_I64LE, space.get());
  if (n > 0)
    file_.ok(H5Awrite(attr.get(), H5T_NATIVE_INT64, values.data()), "writing attribute", name);
}

void Attributes::put_string(const char* name, const std::string& value) const {
  Hid type = utf8_string_type();
  Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  Hid attr = create(name, type.get(), space.get());
  const char* text = value.c_str();
  file_.ok(H5Awrite(attr.get(), type.get(), &text), "writing attribute", name);
}

void Attributes::put_strings(const char* name, const std::vector<std::string>& values) const {
  Hid type = utf8_string_type();
  const hsize_t n = values.size();
  Hid space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Hid attr = create(name, type.get(), space.get());
  std::vector<const char*> texts;
  for (const auto& v : values) texts.push_back(v.c_str());
  if (n > 0) file_.ok(H5Awrite(attr.get(), type.get(), texts.data()), "writing attribute", name);
}

bool Attributes::put_json_scalar(const std::string& name, const Json& value) const {
  if (value.is_boolean()) {
    put_bool(name.c_str(), value.get<bool>());
  } else if (value.is_number_integer() && !value.is_number_unsigned()) {
    put_int(name.c_str(), value.get<std::int64_t>());
  } else if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) {
      put_double(name.c_str(), static_cast<double>(u));
    } else {
      put_int(name.c_str(), static_cast<std::int64_t>(u));
    }
  } else if (value.is_number_float()) {
    put_double(name.c_str(), value.get<double>());
  } else if (value.is_string()) {
    put_string(name.c_str(), value.get<std::string>());
  } else {
    return false;
  }
  return true;
}

void Attributes::put_object(const char* prefix, const Json& object, const char* json_name) const {
  std::size_t written = 0;
  for (const auto& [key, value] : object.items()) {
    if (written == kMaxScalarAttributes) break;
    if (!is_valid_id(key) || key.size() > kMaxIdPrefixBytes) continue;
    if (put_json_scalar(prefix + key, value)) ++written;
  }
  put_string(json_name, object.dump());
}

bool Attributes::has(const char* name) const {
  return file_.ok(H5Aexists(object_, name), "looking up attribute", name) > 0;
}

double Attributes::get_double(const char* name) const {
  Hid attr = open(name);
  double value = 0.0;
  file_.ok(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value), "reading attribute", name);
  return value;
}

std::vector<std::int64_t> Attributes::get_ints(const char* name) const {
  Hid attr = open(name);
  const std::size_t n = checked_count(attr.get(), name, sizeof(std::int64_t));
  std::vector<std::int64_t> values(n);
  if (n > 0)
    file_.ok(H5Aread(attr.get(), H5T_NATIVE_INT64, values.data()), "reading attribute", name);
  return values;
}

std::string Attributes::get_string(const char* name) const {
  auto values = get_strings(name);
  if (values.size() != 1) {
    throw CorruptData(std::string("attribute ") + name + " is not one string", file_.backend());
  }
  return std::move(values.front());
}

std::vector<std::string> Attributes::get_strings(const char* name) const {
  Hid attr = open(name);
  return read_strings(attr.get(), name);
}

Json Attributes::get_object(const std::string& prefix) const {
  struct Walk {
    const Attributes* self;
    const std::string* prefix;
    Json out = Json::object();
  } walk{this, &prefix};
  const auto visit = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
    auto* w = static_cast<Walk*>(data);
    const std::string_view n(name);
    if (!n.starts_with(*w->prefix)) return 0;
    w->out[std::string(n.substr(w->prefix->size()))] = w->self->get_json_scalar(name);
    return 0;
  };
  file_.ok(H5Aiterate2(object_, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, visit, &walk),
           "listing attributes");
  return walk.out;
}

Json Attributes::get_json_scalar(const char* name) const {
  Hid attr = open(name);
  Hid type(H5Aget_type(attr.get()), H5Tclose);
  Hid space(H5Aget_space(attr.get()), H5Sclose);
  const bool scalar = H5Sget_simple_extent_ndims(space.get()) == 0;
  switch (H5Tget_class(type.get())) {
    case H5T_STRING: {
      auto values = read_strings(attr.get(), name);
      if (scalar && values.size() == 1) return values.front();
      return values;
    }
    case H5T_INTEGER: {
      auto values = get_ints(name);
      if (scalar && values.size() == 1) return values.front();
      return values;
    }
    case H5T_FLOAT: {
      if (scalar) return get_double(name);
      const std::size_t n = checked_count(attr.get(), name, sizeof(double));
      std::vector<double> values(n);
      if (n > 0) file_.ok(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, values.data()), "reading", name);
      return values;
    }
    case H5T_ENUM: {
      if (!scalar) return nullptr;
      Hid memtype = hdf5_type_of(DType::kBool);
      std::int8_t v = 0;
      if (H5Aread(attr.get(), memtype.get(), &v) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return nullptr;
      }
      return v != 0;
    }
    default:
      return nullptr;
  }
}

void Attributes::put_scalar(const char* name, hid_t file_type, hid_t mem_type,
                            const void* value) const {
  Hid space(H5Screate(H5S_SCALAR), H5Sclose);
  Hid attr = create(name, file_type, space.get());
  file_.ok(H5Awrite(attr.get(), mem_type, value), "writing attribute", name);
}

Hid Attributes::create(const char* name, hid_t type, hid_t space) const {
  Hid attr(H5Acreate2(object_, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr) throw_hdf5(file_.backend(), std::string("creating attribute ") + printable(name));
  return attr;
}

Hid Attributes::open(const char* name) const {
  Hid attr(H5Aopen(object_, name, H5P_DEFAULT), H5Aclose);
  if (!attr) throw_hdf5(file_.backend(), std::string("opening attribute ") + printable(name));
  return attr;
}

std::size_t Attributes::checked_count(hid_t attr, const char* name,
                                      std::size_t element_size) const {
  Hid space(H5Aget_space(attr), H5Sclose);
  const hssize_t n = file_.ok(H5Sget_simple_extent_npoints(space.get()), "sizing attribute", name);
  const auto count = static_cast<std::uint64_t>(n);
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(count, element_size, &bytes)) bytes = UINT64_MAX;
  const std::string what = "reading attribute " + printable(name) + " in " + file_.path().string();
  check_declared_size(file_.backend(), what, bytes, file_.record_limit());
  check_declared_size(file_.backend(), what, count, file_.record_limit(), H5Aget_storage_size(attr),
                      kMaxRatioNone);
  return static_cast<std::size_t>(count);
}

std::vector<std::string> Attributes::read_strings(hid_t attr, const char* name) const {
  Hid type(H5Aget_type(attr), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) {
    throw CorruptData(std::string("attribute ") + name + " is not a string", file_.backend());
  }
  Hid space(H5Aget_space(attr), H5Sclose);
  const std::size_t n =
      checked_count(attr, name, std::max<std::size_t>(H5Tget_size(type.get()), sizeof(char*)));
  std::vector<std::string> out;
  if (n == 0) return out;
  if (H5Tis_variable_str(type.get()) > 0) {
    Hid memtype = utf8_string_type();
    std::vector<char*> texts(n, nullptr);
    file_.ok(H5Aread(attr, memtype.get(), texts.data()), "reading attribute", name);
    for (char* t : texts) out.emplace_back(t == nullptr ? "" : t);
    H5Dvlen_reclaim(memtype.get(), space.get(), H5P_DEFAULT, texts.data());
  } else {
    const std::size_t size = H5Tget_size(type.get());
    std::vector<char> buffer(n * size + 1, '\0');
    file_.ok(H5Aread(attr, type.get(), buffer.data()), "reading attribute", name);
    for (std::size_t i = 0; i < n; ++i) {
      const char* start = buffer.data() + i * size;
      out.emplace_back(start, strnlen(start, size));
    }
  }
  return out;
}

}  // namespace engram::hdf5
