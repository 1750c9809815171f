#include "pickle_tagged_json.h"

#include <cmath>
#include <map>
#include <utility>

#include "engram/errors.h"

namespace engram::pickle::detail {
namespace {

// About what one item of a nlohmann::json tree costs.
constexpr std::size_t kItemCost = 128;
constexpr std::string_view kWhere = "converting the value";

Json tagged(std::string_view tag) {
  Json object = Json::object();
  object[std::string(kTagKey)] = tag;
  return object;
}

Json float_value(double value) {
  if (std::isfinite(value)) return value;
  Json object = tagged("float");
  object["value"] = std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
  return object;
}

class Converter {
 public:
  explicit Converter(const Limits& limits) : limits_(limits) {}

  Json convert(Node& node, std::size_t depth) {
    if (depth > limits_.max_depth) {
      corrupt(std::string(kWhere),
              "values nested deeper than " + std::to_string(limits_.max_depth));
    }
    spend(kItemCost + node.text.size() + (node.array ? node.array->nbytes() : 0));
    switch (node.kind) {
      case Kind::kNone:
        return nullptr;
      case Kind::kBool:
        return node.flag;
      case Kind::kInt:
        return node.integer;
      case Kind::kUInt:
        return node.unsigned_integer;
      case Kind::kBigInt: {
        Json object = tagged("int");
        object["value"] = node.text;
        return object;
      }
      case Kind::kFloat:
        return float_value(node.real);
      case Kind::kComplex: {
        Json object = tagged("complex");
        object["real"] = float_value(node.real);
        object["imag"] = float_value(node.imag);
        return object;
      }
      case Kind::kStr:
        return node.text;
      case Kind::kBytes:
      case Kind::kByteArray: {
        Json object = tagged(node.kind == Kind::kBytes ? "bytes" : "bytearray");
        object["base64"] =
            base64({reinterpret_cast<const std::byte*>(node.text.data()), node.text.size()});
        return object;
      }
      case Kind::kArray:
        return tagged_array(*node.array);
      case Kind::kScalar: {
        Json object = tagged("scalar");
        object["dtype"] = dtype_name(node.array->dtype());
        object["data"] = base64(node.array->bytes());
        return object;
      }
      case Kind::kDType:
        unsupported(std::string(kWhere), "a bare numpy.dtype as a value");
      case Kind::kGlobal:
        unsupported(std::string(kWhere), "a bare global as a value");
      case Kind::kPendingArray:
        corrupt(std::string(kWhere), "an ndarray never given its state (no BUILD)");
      case Kind::kList:
      case Kind::kTuple:
      case Kind::kSet:
      case Kind::kFrozenSet:
      case Kind::kDict:
        break;
    }
    if (node.on_path) unsupported(std::string(kWhere), "a value that contains itself");
    node.on_path = true;
    Json result = container(node, depth);
    node.on_path = false;
    return result;
  }

 private:
  void spend(std::size_t cost) {
    if (cost > limits_.max_output_bytes - spent_) {
      corrupt(std::string(kWhere),
              "the value would exceed " + std::to_string(limits_.max_output_bytes) + " bytes");
    }
    spent_ += cost;
  }

  Json items(Node& node, std::size_t depth, bool unique) {
    Json list = Json::array();
    std::map<std::string, bool> seen;
    for (Node* item : node.items) {
      Json value = convert(*item, depth + 1);
      if (unique && !seen.emplace(value.dump(), true).second) continue;
      list.push_back(std::move(value));
    }
    return list;
  }

  Json container(Node& node, std::size_t depth) {
    switch (node.kind) {
      case Kind::kList:
        return items(node, depth, false);
      case Kind::kTuple: {
        Json object = tagged("tuple");
        object["items"] = items(node, depth, false);
        return object;
      }
      case Kind::kSet:
      case Kind::kFrozenSet: {
        Json object = tagged(node.kind == Kind::kSet ? "set" : "frozenset");
        object["items"] = items(node, depth, true);
        return object;
      }
      default:
        return dict(node, depth);
    }
  }

  Json dict(Node& node, std::size_t depth) {
    bool plain = true;
    for (std::size_t i = 0; i < node.items.size(); i += 2) {
      const Node& key = *node.items[i];
      if (key.kind != Kind::kStr || key.text == kTagKey) plain = false;
    }
    if (plain) {
      Json object = Json::object();
      for (std::size_t i = 0; i < node.items.size(); i += 2) {
        spend(kItemCost + node.items[i]->text.size());
        object[node.items[i]->text] = convert(*node.items[i + 1], depth + 1);
      }
      return object;
    }
    // Later values of a key replace earlier ones in the first one's place.
    Json pairs = Json::array();
    std::map<std::string, std::size_t> position;
    for (std::size_t i = 0; i < node.items.size(); i += 2) {
      Json key = convert(*node.items[i], depth + 1);
      Json value = convert(*node.items[i + 1], depth + 1);
      const auto [at, added] = position.emplace(key.dump(), pairs.size());
      if (added) {
        pairs.push_back(Json::array({std::move(key), std::move(value)}));
      } else {
        pairs[at->second][1] = std::move(value);
      }
    }
    Json object = tagged("dict");
    object["items"] = std::move(pairs);
    return object;
  }

  const Limits& limits_;
  std::size_t spent_ = 0;
};

}  // namespace

Json to_tagged_json(Node& root, const Limits& limits) { return Converter(limits).convert(root, 0); }

std::string base64(std::span<const std::byte> bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return static_cast<unsigned>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned word = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    out.push_back(kAlphabet[(word >> 18) & 63]);
    out.push_back(kAlphabet[(word >> 12) & 63]);
    out.push_back(kAlphabet[(word >> 6) & 63]);
    out.push_back(kAlphabet[word & 63]);
  }
  const std::size_t left = bytes.size() - i;
  if (left > 0) {
    const unsigned word = (at(i) << 16) | (left == 2 ? at(i + 1) << 8 : 0);
    out.push_back(kAlphabet[(word >> 18) & 63]);
    out.push_back(kAlphabet[(word >> 12) & 63]);
    out.push_back(left == 2 ? kAlphabet[(word >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace engram::pickle::detail

namespace engram::pickle {

Json tagged_array(const ArrayView& array) {
  Json object = Json::object();
  object[std::string(kTagKey)] = "ndarray";
  object["dtype"] = dtype_name(array.dtype());
  object["shape"] = array.shape();
  object["data"] = detail::base64(array.bytes());
  return object;
}

}  // namespace engram::pickle
