#ifndef MINSHENG_PROCESSORS_ROUTE_GAZETTEER_H_
#define MINSHENG_PROCESSORS_ROUTE_GAZETTEER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "processors/route/area_map.h"

namespace minsheng::processors {

// The area a complaint's text names, for cases without coordinates.
struct GazetteerMatch {
  enum class Kind { kAreaName, kAlias, kPlace };

  AreaPath area;
  std::string name;  // the name found in the text, e.g. "泉星生鲜市场"
  Kind kind = Kind::kAreaName;

  // For the case's "why", e.g. "place 泉星生鲜市场 -> A7县/泉塘街道".
  std::string ToString() const;
};

// Names of a city's areas and well-known places, found in address or complaint text. Every
// area's name in the AreaMap is known; the YAML file adds the rest:
//
//   aliases:            # area code -> other names people use for it
//     "430107007": [泉塘]
//   places:             # area code -> estates (小区), markets, schools, roads... inside it
//     "430107007": [泉星生鲜市场, 长丰星城]
//   ignore: [学士学位]  # words that contain a name but mean something else
//
// Every name has at least 2 characters; one name may belong to several areas (two 新村社区 in
// different streets): the text around it then decides, see Resolve. Unknown area codes, short
// names, a name listed twice for one area and a name both listed and ignored are errors naming
// the entry, e.g. "places: 430107099: not a known area".
//
// Immutable once built; Resolve is safe to call from several threads.
class Gazetteer {
 public:
  // Reads the YAML file at `path`: NotFound when it cannot be opened, InvalidArgument prefixed
  // with the path when it is not valid. The area codes are checked against `areas`, whose paths
  // are copied (the gazetteer does not refer to `areas` afterwards).
  static absl::StatusOr<Gazetteer> Load(const std::string& path, const AreaMap& areas);
  static absl::StatusOr<Gazetteer> Parse(absl::string_view yaml, const AreaMap& areas);

  // The area `text` names, or nullopt when it names none. The text is scanned from the start for
  // the longest name at each position (so "泉塘街道" wins over "泉塘", and an ignored word hides
  // the names inside it); then, of all areas named:
  // (a name that occurs several times counts once, where it first occurs)
  //   1. the one consistent with the most other names wins (an area is consistent with its
  //      ancestors and descendants: "A7县泉塘街道" gives 泉塘街道, confirmed by A7县);
  //   2. then the most specific (a community beats a street beats a district), so conflicting
  //      names ("A1区 ... 泉塘街道" with 泉塘 in A7县) give the most specific one;
  //   3. then the earliest in the text.
  // A name of several areas that ties with itself gives their deepest common ancestor, or when
  // they have none, is set aside in favour of the other names.
  std::optional<GazetteerMatch> Resolve(absl::string_view text) const;

  // Number of distinct names (with ignored words).
  size_t size() const { return names_.size(); }

 private:
  struct Candidate {
    AreaPath area;
    GazetteerMatch::Kind kind;
  };
  struct Name {
    std::string text;
    std::vector<Candidate> candidates;  // empty for an ignored word
  };

  Gazetteer() = default;
  // Adds `text` for `candidate`; `where` names the entry for errors.
  absl::Status Add(const std::string& text, Candidate candidate, absl::string_view where);
  // Builds the first-character index once all names are in.
  void Index();

  std::vector<Name> names_;
  std::unordered_map<std::string, size_t> by_text_;  // name -> index into names_
  // First character (its UTF-8 bytes packed into an integer) -> indices into names_, longest
  // name first.
  std::unordered_map<uint32_t, std::vector<size_t>> by_first_char_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_ROUTE_GAZETTEER_H_
