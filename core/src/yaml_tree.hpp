// A YAML document as strata's readers of portable operations and declared schemas see it:
// parsed by libyaml, read through the few questions the readers ask of a node. Private to
// libstrata.
//
// Each node answers exactly as yaml-cpp answered these readers before (their results, and so
// the checksums of portable migrations, must not change): a plain scalar without a tag that is
// empty, ~, null, Null or NULL is null; a scalar that is not plain (quoted, | or >) and has no
// tag has the tag "!", a plain one "?"; a mapping is looked up by its keys' text, the first of
// equal keys answering; an alias is the node it names; only the first document is read. A unit
// test holds the two parsers' trees side by side (yaml_tree_test.cpp).
//
// Why not yaml-cpp: 1,000 portable migrations took 52 ms to read at every start, most of it
// yaml-cpp's scanner; libyaml parses the same files eight times faster (docs/performance.md).
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::detail {

// A position in the text, from 0; -1 where there is none (an empty document).
struct YamlMark {
  int line = -1;
  int column = -1;
};

// A document that is not YAML, or a question the readers should not have asked of a node (a
// key looked up in a scalar, a mapping read as text): what and where.
struct YamlError {
  std::string message;
  YamlMark mark;
};

struct YamlData {
  enum class Kind { null, scalar, sequence, map };
  Kind kind = Kind::null;
  std::string tag;    // "?" plain and untagged, "!" not plain and untagged, else the tag given
  std::string value;  // a scalar's text
  YamlMark mark;
  std::vector<const YamlData*> items;  // a sequence's items; a mapping's key, value, key, value...
};

// A node of a YamlDocument, or none (a key that is not there): a handle, valid while its
// document lives. The names are yaml-cpp's, which the readers were written against.
class YamlNode {
 public:
  YamlNode() = default;
  explicit YamlNode(const YamlData* data) : data_(data) {}

  explicit operator bool() const noexcept { return data_ != nullptr; }
  bool IsNull() const noexcept { return data_ && data_->kind == YamlData::Kind::null; }
  bool IsScalar() const noexcept { return data_ && data_->kind == YamlData::Kind::scalar; }
  bool IsSequence() const noexcept { return data_ && data_->kind == YamlData::Kind::sequence; }
  bool IsMap() const noexcept { return data_ && data_->kind == YamlData::Kind::map; }
  const std::string& Scalar() const noexcept;  // "" for anything but a scalar
  const std::string& Tag() const noexcept;
  YamlMark Mark() const noexcept { return data_ ? data_->mark : YamlMark{}; }
  std::size_t size() const noexcept;  // items, or pairs; 0 for a scalar or null
  // A scalar's text; "null" for null. Throws YamlError for a sequence or mapping.
  std::string as_text() const;
  // The value of the first key whose text is `key`, or none (also in a null or a sequence).
  // Throws YamlError in a scalar.
  YamlNode operator[](std::string_view key) const;

  class Iterator;
  Iterator begin() const;
  Iterator end() const;

 private:
  const YamlData* data_ = nullptr;
};

// An item of a sequence, or a pair of a mapping (first: its key, second: its value), as
// yaml-cpp's iterators give them.
struct YamlEntry : YamlNode {
  YamlNode first, second;
};

class YamlNode::Iterator {
 public:
  Iterator(const YamlData* data, std::size_t at) : data_(data), at_(at) {}
  YamlEntry operator*() const;
  struct Arrow {
    YamlEntry entry;
    const YamlEntry* operator->() const { return &entry; }
  };
  Arrow operator->() const { return {**this}; }
  Iterator& operator++() {
    at_ += data_->kind == YamlData::Kind::map ? 2 : 1;
    return *this;
  }
  bool operator==(const Iterator& other) const { return at_ == other.at_; }

 private:
  const YamlData* data_;
  std::size_t at_;
};

inline YamlNode::Iterator YamlNode::begin() const {
  return {data_, 0};
}

// The first document of `text`, parsed whole. Throws YamlError for text that is not YAML.
class YamlDocument {
 public:
  explicit YamlDocument(std::string_view text);
  YamlDocument(const YamlDocument&) = delete;
  YamlDocument& operator=(const YamlDocument&) = delete;

  YamlNode root() const { return YamlNode(root_); }

 private:
  std::deque<YamlData> nodes_;  // addresses stay put as it grows
  const YamlData* root_ = nullptr;
};

}  // namespace strata::detail
