// The opcode machine of engram/pickle.h: reads opcodes, keeps Python's stack,
// marks and memo as Node pointers, and hands globals, REDUCE and BUILD to the
// closed list (pickle_globals.h, pickle_numpy.h).
#include "engram/pickle.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engram/errors.h"
#include "engram/ids.h"
#include "pickle_globals.h"
#include "pickle_literals.h"
#include "pickle_node.h"
#include "pickle_numpy.h"
#include "pickle_opcodes.h"
#include "pickle_tagged_json.h"

namespace engram::pickle::detail {

namespace {

class Machine {
 public:
  Machine(std::span<const std::byte> input, const Limits& limits) : input_(input), limits_(limits) {
    none_ = arena_.make(Kind::kNone);
    true_ = arena_.make(Kind::kBool);
    true_->flag = true;
    false_ = arena_.make(Kind::kBool);
    empty_tuple_ = arena_.make(Kind::kTuple);
  }

  Node* run() {
    if (input_.empty()) corrupt("byte 0", "empty input");
    while (true) {
      op_at_ = pos_;
      const auto op = static_cast<std::uint8_t>(input_[pos_]);
      op_ = op;
      ++pos_;
      if (op_at_ == 0 && op != 0x80) {
        if (opcode_name(op).empty()) fail("not a pickle: unknown opcode " + hex(op));
        refuse("a pickle without PROTO (protocol 0 or 1)");
      }
      if (step(op)) break;
      if (pos_ >= input_.size()) fail("truncated: no STOP");
    }
    if (stack_.size() != 1 || !marks_.empty())
      fail("STOP with " + std::to_string(stack_.size()) + " values on the stack");
    if (pos_ != input_.size()) {
      fail(std::to_string(input_.size() - pos_) + " bytes after STOP");
    }
    return stack_.back();
  }

 private:
  static std::string hex(std::uint8_t op) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return std::string("0x") + kDigits[op >> 4] + kDigits[op & 15];
  }

  std::string where() const {
    const std::string_view name = opcode_name(op_);
    return (name.empty() ? "opcode " + hex(op_) : std::string(name)) + " at byte " +
           std::to_string(op_at_);
  }
  [[noreturn]] void fail(const std::string& why) const { corrupt(where(), why); }
  [[noreturn]] void refuse(const std::string& why) const { unsupported(where(), why); }

  // The next `n` bytes; a length beyond the input is refused before anyone
  // allocates for it.
  std::span<const std::byte> take(std::uint64_t n) {
    if (n > input_.size() - pos_) {
      fail("truncated: " + std::to_string(n) + " bytes declared, " +
           std::to_string(input_.size() - pos_) + " left");
    }
    const auto out = input_.subspan(pos_, static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return out;
  }
  std::uint64_t read_le(std::size_t n) {
    const auto bytes = take(n);
    std::uint64_t value = 0;
    for (std::size_t k = 0; k < n; ++k) value |= static_cast<std::uint64_t>(bytes[k]) << (8 * k);
    return value;
  }
  std::string take_string(std::uint64_t n) {
    const auto bytes = take(n);
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  std::string take_line() {
    const std::size_t start = pos_;
    while (pos_ < input_.size() && input_[pos_] != std::byte{'\n'}) ++pos_;
    if (pos_ >= input_.size()) fail("truncated: a line without its newline");
    std::string line(reinterpret_cast<const char*>(input_.data()) + start, pos_ - start);
    ++pos_;
    return line;
  }

  void push(Node* node) { stack_.push_back(node); }
  Node* pop() {
    if (stack_.size() <= floor()) fail("the stack is empty");
    Node* node = stack_.back();
    stack_.pop_back();
    return node;
  }
  Node* top() {
    if (stack_.size() <= floor()) fail("the stack is empty");
    return stack_.back();
  }
  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  // The items since the last MARK, which is removed.
  std::vector<Node*> pop_mark() {
    if (marks_.empty()) fail("no MARK");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Node*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }

  Node* make_str(std::string text) {
    switch (check_utf8(text)) {
      case Utf8::kInvalid:
        fail("a str that is not UTF-8");
      case Utf8::kSurrogate:
        refuse("a str holding a lone surrogate");
      case Utf8::kValid:
        break;
    }
    Node* node = arena_.make(Kind::kStr);
    node->text = std::move(text);
    return node;
  }
  Node* make_bytes(Kind kind, std::string bytes) {
    Node* node = arena_.make(kind);
    node->text = std::move(bytes);
    return node;
  }
  Node* make_tuple(std::vector<Node*> items) {
    if (items.empty()) return empty_tuple_;
    Node* node = arena_.make(Kind::kTuple);
    node->items = std::move(items);
    return node;
  }

  void require_hashable(Node& node, const char* what) {
    if (!hashable(node, limits_.max_depth, where()))
      fail(std::string(what) + " is unhashable (" + std::string(kind_name(node.kind)) + ")");
  }

  Node* memo_get(std::uint64_t index) {
    const auto found = memo_.find(index);
    if (found == memo_.end()) fail("memo " + std::to_string(index) + " was never stored");
    return found->second;
  }

  void set_items(Node& dict, const std::vector<Node*>& items) {
    if (dict.kind != Kind::kDict) fail("SETITEM(S) on " + std::string(kind_name(dict.kind)));
    if (items.size() % 2 != 0) fail("SETITEMS with an odd number of items");
    for (std::size_t i = 0; i < items.size(); i += 2) {
      require_hashable(*items[i], "a dict key");
      dict.items.push_back(items[i]);
      dict.items.push_back(items[i + 1]);
    }
  }

  void add_items(Node& target, Kind kind, const std::vector<Node*>& items, const char* op) {
    if (target.kind != kind) fail(std::string(op) + " on " + std::string(kind_name(target.kind)));
    for (Node* item : items) {
      if (kind != Kind::kList) require_hashable(*item, "a set item");
      target.items.push_back(item);
    }
  }

  Node* global(const std::string& module, const std::string& name) {
    const auto found = find_global(module, name);
    if (!found) {
      refuse("global " + printable(module.substr(0, 200)) + "." + printable(name.substr(0, 200)) +
             " is not on engram's list");
    }
    Node* node = arena_.make(Kind::kGlobal);
    node->global = *found;
    return node;
  }

  // One opcode; true at STOP.
  bool step(std::uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        const auto version = static_cast<unsigned>(take(1)[0]);
        if (version < 2 || version > 5) refuse("protocol " + std::to_string(version));
        return false;
      }
      case 0x95:  // FRAME: a length to check; the frame's opcodes follow.
        if (read_le(8) > input_.size() - pos_) {
          pos_ -= 8;
          fail("truncated: a frame longer than the input");
        }
        return false;
      case '.':
        return true;
      case '(':
        marks_.push_back(stack_.size());
        return false;
      case '0':
        // As CPython's: at a MARK with nothing above it, POP drops the MARK.
        if (stack_.size() <= floor() && !marks_.empty()) {
          marks_.pop_back();
        } else {
          pop();
        }
        return false;
      case '1':
        pop_mark();
        return false;
      case '2':
        push(top());
        return false;
      case 'N':
        push(none_);
        return false;
      case 0x88:
        push(true_);
        return false;
      case 0x89:
        push(false_);
        return false;
      case 'J': {
        Node* node = arena_.make(Kind::kInt);
        node->integer = static_cast<std::int32_t>(static_cast<std::uint32_t>(read_le(4)));
        push(node);
        return false;
      }
      case 'K':
      case 'M': {
        Node* node = arena_.make(Kind::kInt);
        node->integer = static_cast<std::int64_t>(read_le(op == 'K' ? 1 : 2));
        push(node);
        return false;
      }
      case 0x8a:
      case 0x8b: {
        std::uint64_t length = 0;
        if (op == 0x8a) {
          length = read_le(1);
        } else {
          const auto declared = static_cast<std::int32_t>(static_cast<std::uint32_t>(read_le(4)));
          if (declared < 0) fail("a negative length");
          length = static_cast<std::uint64_t>(declared);
        }
        const auto bytes = take(length);
        if (length > limits_.max_int_bytes) {
          refuse("an int of " + std::to_string(length) + " bytes (more than " +
                 std::to_string(limits_.max_int_bytes) + ")");
        }
        Node* node = arena_.make(Kind::kInt);
        set_long(*node, bytes);
        push(node);
        return false;
      }
      case 'G': {
        // Big-endian, unlike every other number here.
        const auto raw = take(8);
        std::uint64_t bits = 0;
        for (const std::byte b : raw) bits = (bits << 8) | static_cast<std::uint64_t>(b);
        Node* node = arena_.make(Kind::kFloat);
        node->real = std::bit_cast<double>(bits);
        push(node);
        return false;
      }
      case 0x8c:
        push(make_str(take_string(read_le(1))));
        return false;
      case 'X':
        push(make_str(take_string(read_le(4))));
        return false;
      case 0x8d:
        push(make_str(take_string(read_le(8))));
        return false;
      case 'C':
        push(make_bytes(Kind::kBytes, take_string(read_le(1))));
        return false;
      case 'B':
        push(make_bytes(Kind::kBytes, take_string(read_le(4))));
        return false;
      case 0x8e:
        push(make_bytes(Kind::kBytes, take_string(read_le(8))));
        return false;
      case 0x96:
        push(make_bytes(Kind::kByteArray, take_string(read_le(8))));
        return false;
      case ')':
        push(empty_tuple_);
        return false;
      case 't':
        push(make_tuple(pop_mark()));
        return false;
      case 0x85:
      case 0x86:
      case 0x87: {
        const std::size_t count = op - 0x84u;
        if (stack_.size() < floor() + count) fail("the stack is empty");
        std::vector<Node*> items(stack_.end() - static_cast<std::ptrdiff_t>(count), stack_.end());
        stack_.resize(stack_.size() - count);
        push(make_tuple(std::move(items)));
        return false;
      }
      case ']':
        push(arena_.make(Kind::kList));
        return false;
      case 'l': {
        Node* node = arena_.make(Kind::kList);
        node->items = pop_mark();
        push(node);
        return false;
      }
      case 'a': {
        Node* item = pop();
        add_items(*top(), Kind::kList, {item}, "APPEND");
        return false;
      }
      case 'e': {
        std::vector<Node*> items = pop_mark();
        add_items(*top(), Kind::kList, items, "APPENDS");
        return false;
      }
      case '}':
        push(arena_.make(Kind::kDict));
        return false;
      case 'd': {
        Node* node = arena_.make(Kind::kDict);
        set_items(*node, pop_mark());
        push(node);
        return false;
      }
      case 's': {
        Node* value = pop();
        Node* key = pop();
        set_items(*top(), {key, value});
        return false;
      }
      case 'u': {
        std::vector<Node*> items = pop_mark();
        set_items(*top(), items);
        return false;
      }
      case 0x8f:
        push(arena_.make(Kind::kSet));
        return false;
      case 0x90: {
        std::vector<Node*> items = pop_mark();
        add_items(*top(), Kind::kSet, items, "ADDITEMS");
        return false;
      }
      case 0x91: {
        Node* node = arena_.make(Kind::kFrozenSet);
        add_items(*node, Kind::kFrozenSet, pop_mark(), "FROZENSET");
        push(node);
        return false;
      }
      case 'h':
        push(memo_get(read_le(1)));
        return false;
      case 'j':
        push(memo_get(read_le(4)));
        return false;
      case 'q':
        memo_[read_le(1)] = top();
        return false;
      case 'r':
        memo_[read_le(4)] = top();
        return false;
      case 0x94:
        memo_[memo_.size()] = top();
        return false;
      case 'c': {
        std::string module = take_line();
        std::string name = take_line();
        push(global(module, name));
        return false;
      }
      case 0x93: {
        Node* name = pop();
        Node* module = pop();
        if (module->kind != Kind::kStr || name->kind != Kind::kStr) {
          fail("STACK_GLOBAL of " + std::string(kind_name(module->kind)) + " and " +
               std::string(kind_name(name->kind)));
        }
        push(global(module->text, name->text));
        return false;
      }
      case 'R': {
        Node* args = pop();
        Node* callable = pop();
        push(reduce(arena_, *callable, *args, where()));
        return false;
      }
      case 'b': {
        Node* state = pop();
        build(*top(), *state, where());
        return false;
      }
      case 0x81:
      case 0x92: {
        // What a class-based pickle would construct: name it.
        const std::size_t depth = op == 0x81 ? 2 : 3;
        if (stack_.size() < floor() + depth) fail("the stack is empty");
        const Node& type = *stack_[stack_.size() - depth];
        refuse(std::string(opcode_name(op)) + " of " +
               (type.kind == Kind::kGlobal ? std::string(global_name(type.global))
                                           : std::string(kind_name(type.kind))));
      }
      case 'i':
      case 'o':
      case 0x82:
      case 0x83:
      case 0x84:
      case 'P':
      case 'Q':
      case 0x97:
      case 0x98:
        refuse(std::string(opcode_name(op)) +
               " is not read (it names or calls code, or needs "
               "out-of-band data)");
      case 'F':
      case 'I':
      case 'L':
      case 'S':
      case 'T':
      case 'U':
      case 'V':
      case 'g':
      case 'p':
        refuse(std::string(opcode_name(op)) + " (a protocol 0/1 or Python 2 opcode) is not read");
      default:
        fail("unknown opcode " + hex(op));
    }
  }

  std::span<const std::byte> input_;
  const Limits& limits_;
  std::size_t pos_ = 0;
  std::size_t op_at_ = 0;
  std::uint8_t op_ = 0;
  Arena arena_;
  Node* none_;
  Node* true_;
  Node* false_;
  Node* empty_tuple_;
  std::vector<Node*> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Node*> memo_;
};

}  // namespace
}  // namespace engram::pickle::detail

namespace engram::pickle {

Value decode(std::span<const std::byte> bytes, const Limits& limits) {
  detail::Machine machine(bytes, limits);
  detail::Node* root = machine.run();
  if (root->kind == detail::Kind::kArray) return std::move(*root->array);
  return detail::to_tagged_json(*root, limits);
}

}  // namespace engram::pickle
