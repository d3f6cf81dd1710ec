#ifndef MINSHENG_PROCESSORS_ROUTE_AREA_MAP_H_
#define MINSHENG_PROCESSORS_ROUTE_AREA_MAP_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace minsheng::processors {

// The administrative levels below the city, from the largest: 区/县, 街道/镇/乡, 社区/村, 网格.
enum class AreaLevel { kDistrict, kStreet, kCommunity, kGrid };
inline constexpr AreaLevel kAreaLevels[] = {AreaLevel::kDistrict, AreaLevel::kStreet,
                                            AreaLevel::kCommunity, AreaLevel::kGrid};

// "district", "street", "community" or "grid" (the `level` property of the GeoJSON).
absl::string_view AreaLevelName(AreaLevel level);

// One area on a path; both fields empty when the area is unknown at that level.
struct AreaRef {
  std::string code;
  std::string name;

  bool empty() const { return code.empty(); }
  friend bool operator==(const AreaRef& a, const AreaRef& b) {
    return a.code == b.code && a.name == b.name;
  }
};

// Where a case happened, as far down as known: a street is only known with its district, a
// community only with its street, and so on.
struct AreaPath {
  AreaRef district, street, community, grid;

  bool empty() const { return district.empty(); }
  // The area at `level` (possibly empty).
  const AreaRef& at(AreaLevel level) const;
  AreaRef& at(AreaLevel level);
  // The most specific known area; an empty AreaRef when the path is empty.
  const AreaRef& deepest() const;
  // The names from the district down, e.g. "A7县/泉塘街道/泉星社区"; "" when empty.
  std::string ToString() const;

  friend bool operator==(const AreaPath& a, const AreaPath& b) {
    return a.district == b.district && a.street == b.street && a.community == b.community &&
           a.grid == b.grid;
  }
};

// One area of the map (without its geometry).
struct Area {
  std::string code;
  std::string name;
  AreaLevel level = AreaLevel::kDistrict;
  std::string parent;  // code of the enclosing area; empty for districts
  // The office that owns territorial (属地) cases of the area: always set for streets, optional
  // for communities, never for districts and grids. `office` is its department id.
  std::string office;
  std::string office_name;
};

// A city's administrative areas with their boundaries, read from GeoJSON FeatureCollections
// (RFC 7946). Every feature is one area:
//
//   {"type": "Feature",
//    "properties": {"code": "430107001", "name": "泉塘街道", "level": "street",
//                   "parent": "430107", "office": "jiedao-430107001",
//                   "office_name": "泉塘街道办事处"},
//    "geometry": {"type": "Polygon", "coordinates": [[[113.1, 28.2], ...]]}}
//
// - code: a string of digits, as in DOMAIN.md: 6 for a district, the parent's code plus 3 for a
//   street, plus 3 more for a community, plus 3 more for a grid cell.
// - level: district | street | community | grid; parent: the code of the area one level up
//   (absent for districts).
// - office, office_name: the 属地 office (department id and display name), required for streets
//   and optional for communities. Office ids are ASCII letters, digits, '-' and '_', unique in
//   the map; the convention is "jiedao-<street code>" and "shequ-<community code>".
// - geometry: Polygon or MultiPolygon, holes allowed; positions are [longitude, latitude] (GeoJSON
//   order), each ring closed (last position equal to the first) with at least 4 positions.
// Other properties (areas, populations from a GIS export) are ignored.
//
// Features may come in any order and from several files (e.g. one per level). Errors are
// InvalidArgument naming the feature, e.g. "features[3] (430103002): parent 4301039 is not a
// known area".
//
// Immutable once loaded; Resolve is safe to call from several threads.
class AreaMap {
 public:
  // Reads and merges the files at `paths`: NotFound when one cannot be opened, InvalidArgument
  // prefixed with the path of the offending file.
  static absl::StatusOr<AreaMap> Load(const std::vector<std::string>& paths);
  // One FeatureCollection as text (errors without a path).
  static absl::StatusOr<AreaMap> Parse(absl::string_view geojson);

  // The areas containing the point, found by descending from the district through its children
  // (a child's part outside its parent is never found). A point in no district gives an empty
  // path. A point on a boundary shared by two areas belongs to exactly one of them, always the
  // same: boundaries count to the area east of a north-south edge and north of an east-west
  // edge.
  AreaPath Resolve(double lat, double lon) const;

  // The area with `code`, or nullptr.
  const Area* Find(absl::string_view code) const;
  // The area with `code` and its ancestors; empty for an unknown code.
  AreaPath PathOf(absl::string_view code) const;
  // The area whose 属地 office is department `office`, or nullptr.
  const Area* FindOffice(absl::string_view office) const;
  // Number of areas, and the area at `index` (0 <= index < size(), in input order).
  size_t size() const;
  const Area& area(size_t index) const;

  AreaMap(const AreaMap&);
  AreaMap(AreaMap&&) noexcept;
  AreaMap& operator=(const AreaMap&);
  AreaMap& operator=(AreaMap&&) noexcept;
  ~AreaMap();

 private:
  struct Entry;     // an area with its boundary (area_map.cc)
  struct Document;  // one input file

  AreaMap();
  static absl::StatusOr<AreaMap> Build(const std::vector<Document>& documents);

  std::vector<Entry> areas_;
  std::vector<size_t> districts_;  // indices into areas_, in input order
  std::map<std::string, size_t, std::less<>> by_code_;
  std::map<std::string, size_t, std::less<>> by_office_;
};

}  // namespace minsheng::processors

#endif  // MINSHENG_PROCESSORS_ROUTE_AREA_MAP_H_
