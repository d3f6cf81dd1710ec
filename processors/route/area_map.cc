#include "processors/route/area_map.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "processors/config_files.h"

namespace minsheng::processors {
namespace {

using Json = nlohmann::json;
using config_files::Invalid;

// Digits in the code of an area at each level (DOMAIN.md: 6 district + 3 street + 3 community +
// 3 sequence).
size_t CodeLength(AreaLevel level) { return 6 + 3 * static_cast<size_t>(level); }

struct Point {
  double lon = 0;
  double lat = 0;
};

struct Box {
  double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;

  bool Contains(double lat, double lon) const {
    return lon >= min_lon && lon <= max_lon && lat >= min_lat && lat <= max_lat;
  }
  void Extend(const Box& other) {
    min_lon = std::min(min_lon, other.min_lon);
    min_lat = std::min(min_lat, other.min_lat);
    max_lon = std::max(max_lon, other.max_lon);
    max_lat = std::max(max_lat, other.max_lat);
  }
};

// One polygon: its outer ring followed by its holes, each closed (last point == first).
struct Polygon {
  std::vector<std::vector<Point>> rings;
  Box box;  // of the outer ring

  bool Contains(double lat, double lon) const {
    if (!box.Contains(lat, lon)) return false;
    // Even-odd crossings of a ray going east, over the outer ring and the holes. Each edge is
    // taken from its southern end so that two polygons sharing an edge compute the same crossing
    // point bit for bit: a point on the edge then belongs to exactly one of them (the one east
    // of it; for an east-west edge, the one north of it).
    bool inside = false;
    for (const std::vector<Point>& ring : rings) {
      for (size_t i = 0; i + 1 < ring.size(); ++i) {
        const bool ascending = ring[i].lat <= ring[i + 1].lat;
        const Point& low = ascending ? ring[i] : ring[i + 1];
        const Point& high = ascending ? ring[i + 1] : ring[i];
        if (lat < low.lat || lat >= high.lat) continue;
        const double crossing =
            low.lon + (lat - low.lat) * (high.lon - low.lon) / (high.lat - low.lat);
        if (lon < crossing) inside = !inside;
      }
    }
    return inside;
  }
};

bool Has(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && !it->is_null();
}

absl::StatusOr<std::string> NonEmptyString(const Json& object, const char* key,
                                           absl::string_view where) {
  if (!Has(object, key)) return Invalid(where, absl::StrCat(key, ": missing"));
  const Json& value = object.at(key);
  if (!value.is_string()) return Invalid(where, absl::StrCat(key, ": expected a string"));
  std::string text(absl::StripAsciiWhitespace(value.get<std::string>()));
  if (text.empty()) return Invalid(where, absl::StrCat(key, ": empty"));
  return text;
}

bool AllDigits(absl::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
}

absl::StatusOr<AreaLevel> ParseLevel(const Json& properties, absl::string_view where) {
  absl::StatusOr<std::string> text = NonEmptyString(properties, "level", where);
  if (!text.ok()) return text.status();
  for (AreaLevel level : kAreaLevels) {
    if (*text == AreaLevelName(level)) return level;
  }
  return Invalid(
      where, absl::StrCat("level: ", *text, " is not one of district, street, community, grid"));
}

// A linear ring: [[lon, lat], ...], closed, at least 4 positions.
absl::StatusOr<std::vector<Point>> ParseRing(const Json& ring, absl::string_view where) {
  if (!ring.is_array()) return Invalid(where, "expected an array of positions");
  if (ring.size() < 4) {
    return Invalid(where, absl::StrCat("a ring needs at least 4 positions, got ", ring.size()));
  }
  std::vector<Point> points;
  points.reserve(ring.size());
  for (size_t i = 0; i < ring.size(); ++i) {
    const Json& position = ring[i];
    if (!position.is_array() || position.size() < 2 || !position[0].is_number() ||
        !position[1].is_number()) {
      return Invalid(absl::StrCat(where, "[", i, "]"), "expected [longitude, latitude]");
    }
    const Point point{position[0].get<double>(), position[1].get<double>()};
    if (!(point.lon >= -180 && point.lon <= 180 && point.lat >= -90 && point.lat <= 90)) {
      return Invalid(absl::StrCat(where, "[", i, "]"),
                     absl::StrCat("[", point.lon, ", ", point.lat,
                                  "] is not [longitude, latitude] (GeoJSON order)"));
    }
    points.push_back(point);
  }
  if (points.front().lon != points.back().lon || points.front().lat != points.back().lat) {
    return Invalid(where, "ring is not closed (the last position must equal the first)");
  }
  return points;
}

// A Polygon's coordinates: [outer ring, hole, ...].
absl::StatusOr<Polygon> ParsePolygon(const Json& rings, absl::string_view where) {
  if (!rings.is_array() || rings.empty()) return Invalid(where, "expected an array of rings");
  Polygon polygon;
  for (size_t i = 0; i < rings.size(); ++i) {
    absl::StatusOr<std::vector<Point>> ring = ParseRing(rings[i], absl::StrCat(where, "[", i, "]"));
    if (!ring.ok()) return ring.status();
    polygon.rings.push_back(*std::move(ring));
  }
  const std::vector<Point>& outer = polygon.rings.front();
  polygon.box = {outer[0].lon, outer[0].lat, outer[0].lon, outer[0].lat};
  for (const Point& p : outer) polygon.box.Extend({p.lon, p.lat, p.lon, p.lat});
  return polygon;
}

// Everything an area covers: one polygon for a Polygon, several for a MultiPolygon.
struct Boundary {
  std::vector<Polygon> polygons;
  Box box;  // of all polygons

  bool Contains(double lat, double lon) const {
    return box.Contains(lat, lon) &&
           std::any_of(polygons.begin(), polygons.end(),
                       [&](const Polygon& polygon) { return polygon.Contains(lat, lon); });
  }
};

absl::StatusOr<Boundary> ParseGeometry(const Json& feature, absl::string_view where) {
  if (!Has(feature, "geometry") || !feature.at("geometry").is_object()) {
    return Invalid(where, "geometry: missing");
  }
  const Json& geometry = feature.at("geometry");
  absl::StatusOr<std::string> type = NonEmptyString(geometry, "type", where);
  if (!type.ok()) return type.status();
  if (!Has(geometry, "coordinates")) return Invalid(where, "geometry: coordinates: missing");
  const Json& coordinates = geometry.at("coordinates");
  const std::string coordinates_where = absl::StrCat(where, ": geometry: coordinates");
  std::vector<Polygon> polygons;
  if (*type == "Polygon") {
    absl::StatusOr<Polygon> polygon = ParsePolygon(coordinates, coordinates_where);
    if (!polygon.ok()) return polygon.status();
    polygons.push_back(*std::move(polygon));
  } else if (*type == "MultiPolygon") {
    if (!coordinates.is_array() || coordinates.empty()) {
      return Invalid(coordinates_where, "expected an array of polygons");
    }
    for (size_t i = 0; i < coordinates.size(); ++i) {
      absl::StatusOr<Polygon> polygon =
          ParsePolygon(coordinates[i], absl::StrCat(coordinates_where, "[", i, "]"));
      if (!polygon.ok()) return polygon.status();
      polygons.push_back(*std::move(polygon));
    }
  } else {
    return Invalid(where, absl::StrCat("geometry: type ", *type,
                                       " is not supported (expected Polygon or MultiPolygon)"));
  }
  Boundary boundary;
  boundary.box = polygons.front().box;
  for (const Polygon& polygon : polygons) boundary.box.Extend(polygon.box);
  boundary.polygons = std::move(polygons);
  return boundary;
}

// A feature's properties other than its code; `where` names it for errors.
absl::StatusOr<Area> ParseProperties(const Json& properties, absl::string_view code,
                                     absl::string_view where) {
  Area area;
  area.code = std::string(code);
  absl::StatusOr<std::string> name = NonEmptyString(properties, "name", where);
  if (!name.ok()) return name.status();
  area.name = *std::move(name);
  absl::StatusOr<AreaLevel> level = ParseLevel(properties, where);
  if (!level.ok()) return level.status();
  area.level = *level;
  if (!AllDigits(code) || code.size() != CodeLength(*level)) {
    return Invalid(where, absl::StrCat("code: a ", AreaLevelName(*level), " code has ",
                                       CodeLength(*level), " digits"));
  }

  if (*level == AreaLevel::kDistrict) {
    if (Has(properties, "parent")) return Invalid(where, "parent: a district has no parent");
  } else {
    absl::StatusOr<std::string> parent = NonEmptyString(properties, "parent", where);
    if (!parent.ok()) return parent.status();
    area.parent = *std::move(parent);
  }

  const bool has_office = Has(properties, "office") || Has(properties, "office_name");
  if (*level == AreaLevel::kStreet || (*level == AreaLevel::kCommunity && has_office)) {
    absl::StatusOr<std::string> office = NonEmptyString(properties, "office", where);
    if (!office.ok()) return office.status();
    if (!config_files::IsDepartmentId(*office)) {
      return Invalid(where, absl::StrCat("office: ", *office,
                                         " is not an id (ASCII letters, digits, - and _)"));
    }
    absl::StatusOr<std::string> office_name = NonEmptyString(properties, "office_name", where);
    if (!office_name.ok()) return office_name.status();
    area.office = *std::move(office);
    area.office_name = *std::move(office_name);
  } else if (has_office) {
    return Invalid(where, "office: only streets and communities have a 属地 office");
  }

  return area;
}

}  // namespace

struct AreaMap::Entry {
  Area area;
  Boundary boundary;
  std::vector<size_t> children;  // indices into areas_, in input order
};

struct AreaMap::Document {
  std::string name;  // file path, "" for text given directly
  std::string text;
};

AreaMap::AreaMap() = default;
AreaMap::AreaMap(const AreaMap&) = default;
AreaMap::AreaMap(AreaMap&&) noexcept = default;
AreaMap& AreaMap::operator=(const AreaMap&) = default;
AreaMap& AreaMap::operator=(AreaMap&&) noexcept = default;
AreaMap::~AreaMap() = default;

absl::string_view AreaLevelName(AreaLevel level) {
  switch (level) {
    case AreaLevel::kDistrict:
      return "district";
    case AreaLevel::kStreet:
      return "street";
    case AreaLevel::kCommunity:
      return "community";
    case AreaLevel::kGrid:
      return "grid";
  }
  return "?";
}

const AreaRef& AreaPath::at(AreaLevel level) const {
  switch (level) {
    case AreaLevel::kDistrict:
      return district;
    case AreaLevel::kStreet:
      return street;
    case AreaLevel::kCommunity:
      return community;
    case AreaLevel::kGrid:
      return grid;
  }
  return grid;
}

AreaRef& AreaPath::at(AreaLevel level) {
  return const_cast<AreaRef&>(static_cast<const AreaPath&>(*this).at(level));
}

const AreaRef& AreaPath::deepest() const {
  for (AreaLevel level : {AreaLevel::kGrid, AreaLevel::kCommunity, AreaLevel::kStreet}) {
    if (!at(level).empty()) return at(level);
  }
  return district;
}

std::string AreaPath::ToString() const {
  std::vector<absl::string_view> names;
  for (AreaLevel level : kAreaLevels) {
    if (at(level).empty()) break;
    names.push_back(at(level).name);
  }
  return absl::StrJoin(names, "/");
}

absl::StatusOr<AreaMap> AreaMap::Load(const std::vector<std::string>& paths) {
  if (paths.empty()) return absl::InvalidArgumentError("no area files given");
  std::vector<Document> documents;
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> text = config_files::ReadFile(path, "area file");
    if (!text.ok()) return text.status();
    documents.push_back({path, *std::move(text)});
  }
  return Build(documents);
}

absl::StatusOr<AreaMap> AreaMap::Parse(absl::string_view geojson) {
  return Build({{"", std::string(geojson)}});
}

absl::StatusOr<AreaMap> AreaMap::Build(const std::vector<Document>& documents) {
  AreaMap map;
  std::vector<std::string> where_of;  // "file: features[i] (code)" of each area, for errors
  // First every feature on its own, then the links between them (parents may come later).
  for (const Document& document : documents) {
    const std::string prefix = document.name.empty() ? "" : absl::StrCat(document.name, ": ");
    Json root;
    try {
      root = Json::parse(document.text);
    } catch (const Json::parse_error& e) {
      // e.what() names the line and column, which a hand-edited boundary file needs.
      return absl::InvalidArgumentError(absl::StrCat(prefix, "not JSON: ", e.what()));
    }
    if (!root.is_object() || root.value("type", Json()) != "FeatureCollection" ||
        !Has(root, "features") || !root.at("features").is_array()) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "expected a GeoJSON FeatureCollection with a features array"));
    }
    const Json& features = root.at("features");
    for (size_t i = 0; i < features.size(); ++i) {
      const Json& feature = features[i];
      std::string where = absl::StrCat(prefix, "features[", i, "]");
      if (!feature.is_object() || feature.value("type", Json()) != "Feature") {
        return Invalid(where, "expected a GeoJSON Feature");
      }
      if (!Has(feature, "properties") || !feature.at("properties").is_object()) {
        return Invalid(where, "properties: missing");
      }
      const Json& properties = feature.at("properties");
      absl::StatusOr<std::string> code = NonEmptyString(properties, "code", where);
      if (!code.ok()) return code.status();
      absl::StrAppend(&where, " (", *code, ")");

      absl::StatusOr<Area> parsed = ParseProperties(properties, *code, where);
      if (!parsed.ok()) return parsed.status();
      absl::StatusOr<Boundary> boundary = ParseGeometry(feature, where);
      if (!boundary.ok()) return boundary.status();
      Entry entry{.area = *std::move(parsed), .boundary = *std::move(boundary)};

      const Area& area = entry.area;
      if (!map.by_code_.emplace(area.code, map.areas_.size()).second) {
        return Invalid(where, absl::StrCat("duplicate code (first in ",
                                           where_of[map.by_code_.at(area.code)], ")"));
      }
      if (!area.office.empty() && !map.by_office_.emplace(area.office, map.areas_.size()).second) {
        return Invalid(where, absl::StrCat("office: ", area.office, " is already the office of ",
                                           where_of[map.by_office_.at(area.office)]));
      }
      where_of.push_back(std::move(where));
      map.areas_.push_back(std::move(entry));
    }
  }

  for (size_t i = 0; i < map.areas_.size(); ++i) {
    Entry& entry = map.areas_[i];
    if (entry.area.level == AreaLevel::kDistrict) {
      map.districts_.push_back(i);
      continue;
    }
    const auto parent = map.by_code_.find(entry.area.parent);
    if (parent == map.by_code_.end()) {
      return Invalid(where_of[i],
                     absl::StrCat("parent ", entry.area.parent, " is not a known area"));
    }
    Entry& parent_entry = map.areas_[parent->second];
    const AreaLevel expected = static_cast<AreaLevel>(static_cast<int>(entry.area.level) - 1);
    if (parent_entry.area.level != expected) {
      return Invalid(where_of[i], absl::StrCat("parent ", entry.area.parent, " is a ",
                                               AreaLevelName(parent_entry.area.level),
                                               ", expected a ", AreaLevelName(expected)));
    }
    if (!absl::StartsWith(entry.area.code, entry.area.parent)) {
      return Invalid(where_of[i], absl::StrCat("code does not start with the parent's code ",
                                               entry.area.parent));
    }
    parent_entry.children.push_back(i);
  }
  if (map.districts_.empty()) return absl::InvalidArgumentError("no district in the area map");
  return map;
}

AreaPath AreaMap::Resolve(double lat, double lon) const {
  AreaPath path;
  const std::vector<size_t>* candidates = &districts_;
  for (AreaLevel level : kAreaLevels) {
    const auto found = std::find_if(candidates->begin(), candidates->end(), [&](size_t index) {
      return areas_[index].boundary.Contains(lat, lon);
    });
    if (found == candidates->end()) break;
    const Entry& entry = areas_[*found];
    path.at(level) = {entry.area.code, entry.area.name};
    candidates = &entry.children;
  }
  return path;
}

const Area* AreaMap::Find(absl::string_view code) const {
  const auto it = by_code_.find(code);
  return it == by_code_.end() ? nullptr : &areas_[it->second].area;
}

AreaPath AreaMap::PathOf(absl::string_view code) const {
  AreaPath path;
  for (const Area* area = Find(code); area != nullptr; area = Find(area->parent)) {
    path.at(area->level) = {area->code, area->name};
  }
  return path;
}

const Area* AreaMap::FindOffice(absl::string_view office) const {
  const auto it = by_office_.find(office);
  return it == by_office_.end() ? nullptr : &areas_[it->second].area;
}

size_t AreaMap::size() const { return areas_.size(); }

const Area& AreaMap::area(size_t index) const { return areas_[index].area; }

}  // namespace minsheng::processors
