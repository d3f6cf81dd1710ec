#include "processors/route/gazetteer.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "processors/config_files.h"

namespace minsheng::processors {
namespace {

using config_files::Invalid;
using config_files::Present;

constexpr size_t kMinNameChars = 2;

// Bytes in the UTF-8 sequence starting with `lead` (1 for stray continuation bytes, so that
// scanning always advances).
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

size_t CountChars(absl::string_view text) {
  return std::count_if(text.begin(), text.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// The first character of `text` (at most 4 bytes) packed into an integer, as the index key.
uint32_t FirstCharKey(absl::string_view text) {
  const size_t length = std::min(Utf8Length(static_cast<unsigned char>(text[0])), text.size());
  uint32_t key = 0;
  for (size_t i = 0; i < length; ++i) key = (key << 8) | static_cast<unsigned char>(text[i]);
  return key;
}

int Depth(const AreaPath& path) {
  int depth = 0;
  for (AreaLevel level : kAreaLevels) depth += path.at(level).empty() ? 0 : 1;
  return depth;
}

// Whether one area contains the other (codes start with their parents' codes).
bool Consistent(const AreaPath& a, const AreaPath& b) {
  const std::string& x = a.deepest().code;
  const std::string& y = b.deepest().code;
  return absl::StartsWith(x, y) || absl::StartsWith(y, x);
}

AreaPath CommonAncestor(const std::vector<const AreaPath*>& paths) {
  AreaPath common;
  for (AreaLevel level : kAreaLevels) {
    const AreaRef& first = paths.front()->at(level);
    if (first.empty()) break;
    if (!std::all_of(paths.begin(), paths.end(),
                     [&](const AreaPath* path) { return path->at(level) == first; })) {
      break;
    }
    common.at(level) = first;
  }
  return common;
}

absl::string_view KindName(GazetteerMatch::Kind kind) {
  switch (kind) {
    case GazetteerMatch::Kind::kAreaName:
      return "area";
    case GazetteerMatch::Kind::kAlias:
      return "alias";
    case GazetteerMatch::Kind::kPlace:
      return "place";
  }
  return "?";
}

}  // namespace

std::string GazetteerMatch::ToString() const {
  return absl::StrCat(KindName(kind), " ", name, " -> ", area.ToString());
}

absl::Status Gazetteer::Add(const std::string& text, Candidate candidate, absl::string_view where) {
  if (CountChars(text) < kMinNameChars) {
    return Invalid(where, absl::StrCat(text, " is shorter than ", kMinNameChars,
                                       " characters (it would match unrelated words)"));
  }
  auto [it, inserted] = by_text_.emplace(text, names_.size());
  if (inserted) {
    names_.push_back({text, {}});
  } else {
    for (const Candidate& other : names_[it->second].candidates) {
      if (other.area.deepest().code == candidate.area.deepest().code) {
        return Invalid(where,
                       absl::StrCat(text, " is already a name of ", candidate.area.deepest().code));
      }
    }
  }
  names_[it->second].candidates.push_back(std::move(candidate));
  return absl::OkStatus();
}

void Gazetteer::Index() {
  for (size_t i = 0; i < names_.size(); ++i) {
    by_first_char_[FirstCharKey(names_[i].text)].push_back(i);
  }
  for (auto& [key, indices] : by_first_char_) {
    std::sort(indices.begin(), indices.end(),
              [this](size_t a, size_t b) { return names_[a].text.size() > names_[b].text.size(); });
  }
}

absl::StatusOr<Gazetteer> Gazetteer::Load(const std::string& path, const AreaMap& areas) {
  absl::StatusOr<std::string> text = config_files::ReadFile(path, "gazetteer file");
  if (!text.ok()) return text.status();
  absl::StatusOr<Gazetteer> gazetteer = Parse(*text, areas);
  if (!gazetteer.ok()) return config_files::WithPath(gazetteer.status(), path);
  return gazetteer;
}

absl::StatusOr<Gazetteer> Gazetteer::Parse(absl::string_view yaml, const AreaMap& areas) {
  Gazetteer gazetteer;
  for (size_t i = 0; i < areas.size(); ++i) {
    const Area& area = areas.area(i);
    if (absl::Status s =
            gazetteer.Add(area.name, {areas.PathOf(area.code), GazetteerMatch::Kind::kAreaName},
                          absl::StrCat("area ", area.code));
        !s.ok()) {
      return s;
    }
  }
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (Present(root)) {
      if (!root.IsMap()) {
        return absl::InvalidArgumentError("expected a mapping with aliases, places and ignore");
      }
      if (absl::Status s = config_files::CheckKeys(root, {"aliases", "places", "ignore"}, "");
          !s.ok()) {
        return s;
      }
    }
    for (const auto& [key, kind] : {std::pair{"aliases", GazetteerMatch::Kind::kAlias},
                                    std::pair{"places", GazetteerMatch::Kind::kPlace}}) {
      const YAML::Node section = root[key];
      if (!Present(section)) continue;
      if (!section.IsMap()) return Invalid(key, "expected a mapping of area code to names");
      for (const auto& entry : section) {
        absl::StatusOr<std::string> code = config_files::NonEmptyString(entry.first, key);
        if (!code.ok()) return code.status();
        const std::string where = absl::StrCat(key, ": ", *code);
        if (areas.Find(*code) == nullptr) return Invalid(where, "not a known area");
        absl::StatusOr<std::vector<std::string>> names =
            config_files::StringList(entry.second, where);
        if (!names.ok()) return names.status();
        const AreaPath path = areas.PathOf(*code);
        for (size_t i = 0; i < names->size(); ++i) {
          if (absl::Status s =
                  gazetteer.Add((*names)[i], {path, kind}, absl::StrCat(where, "[", i, "]"));
              !s.ok()) {
            return s;
          }
        }
      }
    }
    absl::StatusOr<std::vector<std::string>> ignore =
        config_files::StringList(root["ignore"], "ignore");
    if (!ignore.ok()) return ignore.status();
    for (size_t i = 0; i < ignore->size(); ++i) {
      const std::string& word = (*ignore)[i];
      const std::string where = absl::StrCat("ignore[", i, "]");
      if (gazetteer.by_text_.count(word) != 0) {
        return Invalid(where, absl::StrCat(word, " is also a name of an area or place"));
      }
      if (CountChars(word) < kMinNameChars) {
        return Invalid(where,
                       absl::StrCat(word, " is shorter than ", kMinNameChars, " characters"));
      }
      gazetteer.by_text_.emplace(word, gazetteer.names_.size());
      gazetteer.names_.push_back({word, {}});
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not valid YAML: ", e.what()));
  }
  gazetteer.Index();
  return gazetteer;
}

std::optional<GazetteerMatch> Gazetteer::Resolve(absl::string_view text) const {
  // Longest name at each position, left to right, without overlaps.
  std::vector<const Name*> found;
  for (size_t pos = 0; pos < text.size();) {
    const absl::string_view rest = text.substr(pos);
    size_t advance = std::min(Utf8Length(static_cast<unsigned char>(rest[0])), rest.size());
    const auto bucket = by_first_char_.find(FirstCharKey(rest));
    if (bucket != by_first_char_.end()) {
      for (size_t index : bucket->second) {
        const Name& name = names_[index];
        if (!absl::StartsWith(rest, name.text)) continue;
        // Each name counts once, where it first occurs: a repeated name is no confirmation of
        // itself, and long texts naming one place many times stay cheap to weigh.
        if (!name.candidates.empty() &&
            std::find(found.begin(), found.end(), &name) == found.end()) {
          found.push_back(&name);
        }
        advance = name.text.size();
        break;
      }
    }
    pos += advance;
  }

  std::vector<bool> set_aside(found.size(), false);
  while (true) {
    // Best (support, depth, earliest) over all candidates of the names still in play.
    std::tuple<int, int, int> best{-1, -1, 0};
    std::vector<const Candidate*> ties;
    size_t best_match = 0;
    for (size_t m = 0; m < found.size(); ++m) {
      if (set_aside[m]) continue;
      for (const Candidate& candidate : found[m]->candidates) {
        int support = 0;
        for (size_t other = 0; other < found.size(); ++other) {
          if (other == m) continue;
          const std::vector<Candidate>& others = found[other]->candidates;
          support += std::any_of(others.begin(), others.end(), [&](const Candidate& c) {
            return Consistent(c.area, candidate.area);
          });
        }
        const std::tuple<int, int, int> key{support, Depth(candidate.area), -static_cast<int>(m)};
        if (key > best) {
          best = key;
          best_match = m;
          ties = {&candidate};
        } else if (key == best) {
          ties.push_back(&candidate);
        }
      }
    }
    if (ties.empty()) return std::nullopt;
    GazetteerMatch match{.name = found[best_match]->text, .kind = ties.front()->kind};
    if (ties.size() == 1) {
      match.area = ties.front()->area;
      return match;
    }
    std::vector<const AreaPath*> paths;
    for (const Candidate* tie : ties) paths.push_back(&tie->area);
    match.area = CommonAncestor(paths);
    if (!match.area.empty()) return match;
    set_aside[best_match] = true;
  }
}

}  // namespace minsheng::processors
