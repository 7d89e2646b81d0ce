#include "yaml_tree.hpp"

#include <yaml.h>

#include <algorithm>
#include <map>

namespace strata::detail {
namespace {

const std::string no_text;

bool null_text(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

YamlMark mark_of(const yaml_mark_t& m) {
  return {static_cast<int>(m.line), static_cast<int>(m.column)};
}

// Where byte `offset` of `text` is (libyaml gives an offset for text it cannot decode).
YamlMark mark_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::string_view before = text.substr(0, offset);
  auto line = static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  std::size_t start = before.rfind('\n');
  return {line, static_cast<int>(start == std::string_view::npos ? offset : offset - start - 1)};
}

std::string text_of(const yaml_char_t* s) {
  return s ? std::string(reinterpret_cast<const char*>(s)) : std::string();
}

struct Parser {
  yaml_parser_t parser{};
  Parser() { yaml_parser_initialize(&parser); }
  ~Parser() { yaml_parser_delete(&parser); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

struct Event {
  yaml_event_t event{};
  bool held = false;
  ~Event() {
    if (held) yaml_event_delete(&event);
  }
};

}  // namespace

const std::string& YamlNode::Scalar() const noexcept {
  return IsScalar() ? data_->value : no_text;
}

const std::string& YamlNode::Tag() const noexcept {
  return data_ ? data_->tag : no_text;
}

std::size_t YamlNode::size() const noexcept {
  if (IsSequence()) return data_->items.size();
  if (IsMap()) return data_->items.size() / 2;
  return 0;
}

std::string YamlNode::as_text() const {
  if (IsNull()) return "null";
  if (!IsScalar()) throw YamlError{"bad conversion", Mark()};
  return data_->value;
}

YamlNode YamlNode::operator[](std::string_view key) const {
  if (IsScalar()) throw YamlError{"operator[] call on a scalar (key: \"" + std::string(key) + "\")", Mark()};
  if (!IsMap()) return YamlNode();
  for (std::size_t i = 0; i + 1 < data_->items.size(); i += 2)
    if (data_->items[i]->kind == YamlData::Kind::scalar && data_->items[i]->value == key)
      return YamlNode(data_->items[i + 1]);
  return YamlNode();
}

YamlEntry YamlNode::Iterator::operator*() const {
  YamlEntry e;
  if (data_->kind == YamlData::Kind::map) {
    e.first = YamlNode(data_->items[at_]);
    e.second = YamlNode(data_->items[at_ + 1]);
  } else {
    static_cast<YamlNode&>(e) = YamlNode(data_->items[at_]);
  }
  return e;
}

YamlNode::Iterator YamlNode::end() const {
  return {data_, IsSequence() || IsMap() ? data_->items.size() : 0};
}

YamlDocument::YamlDocument(std::string_view text) {
  Parser p;
  yaml_parser_set_input_string(&p.parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  std::map<std::string, const YamlData*, std::less<>> anchors;
  std::vector<YamlData*> open;  // the collections being read, innermost last
  std::vector<bool> flow;       // whether each is written in flow style ([...], {...})
  auto add = [&](const YamlData* node) {
    if (open.empty()) {
      if (!root_) root_ = node;
    } else {
      open.back()->items.push_back(node);
    }
  };
  auto anchor = [&](const yaml_char_t* name, const YamlData* node) {
    if (name) anchors[text_of(name)] = node;
  };
  // A value left out in a block (`key:` at the end of its line) is placed where the next thing
  // begins, as yaml-cpp placed it; libyaml places one left out in a flow where yaml-cpp did.
  YamlData* left_out = nullptr;
  bool done = false;
  while (!done) {
    Event e;
    if (!yaml_parser_parse(&p.parser, &e.event)) {
      const yaml_parser_t& q = p.parser;
      std::string message = q.problem ? q.problem : "the parser failed";
      if (q.context) message += std::string(" (") + q.context + ")";
      YamlMark at = q.error == YAML_READER_ERROR ? mark_at(text, q.problem_offset) : mark_of(q.problem_mark);
      throw YamlError{message, at};
    }
    e.held = true;
    const yaml_event_t& ev = e.event;
    if (left_out) left_out->mark = mark_of(ev.start_mark);
    left_out = nullptr;
    switch (ev.type) {
      case YAML_SCALAR_EVENT: {
        YamlData& node = nodes_.emplace_back();
        node.mark = mark_of(ev.start_mark);
        bool plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        node.tag = ev.data.scalar.tag ? text_of(ev.data.scalar.tag) : plain ? "?" : "!";
        node.value.assign(reinterpret_cast<const char*>(ev.data.scalar.value), ev.data.scalar.length);
        node.kind = node.tag == "?" && null_text(node.value) ? YamlData::Kind::null : YamlData::Kind::scalar;
        if (node.kind == YamlData::Kind::null) {  // as yaml-cpp's: no text, no tag
          node.value.clear();
          node.tag.clear();
          if (ev.start_mark.index == ev.end_mark.index && !flow.empty() && !flow.back()) left_out = &node;
        }
        anchor(ev.data.scalar.anchor, &node);
        add(&node);
        break;
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        bool map = ev.type == YAML_MAPPING_START_EVENT;
        YamlData& node = nodes_.emplace_back();
        node.kind = map ? YamlData::Kind::map : YamlData::Kind::sequence;
        node.mark = mark_of(ev.start_mark);
        const yaml_char_t* tag = map ? ev.data.mapping_start.tag : ev.data.sequence_start.tag;
        node.tag = tag ? text_of(tag) : "?";
        anchor(map ? ev.data.mapping_start.anchor : ev.data.sequence_start.anchor, &node);
        add(&node);
        open.push_back(&node);
        flow.push_back(map ? ev.data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                           : ev.data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE);
        break;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        open.pop_back();
        flow.pop_back();
        break;
      case YAML_ALIAS_EVENT: {
        auto it = anchors.find(text_of(ev.data.alias.anchor));
        if (it == anchors.end())
          throw YamlError{"the alias *" + text_of(ev.data.alias.anchor) + " names no anchor before it",
                          mark_of(ev.start_mark)};
        add(it->second);
        break;
      }
      case YAML_DOCUMENT_END_EVENT:  // only the first document is read
      case YAML_STREAM_END_EVENT: done = true; break;
      default: break;
    }
  }
  if (!root_) root_ = &nodes_.emplace_back();  // no document: null, nowhere, untagged
}

}  // namespace strata::detail
