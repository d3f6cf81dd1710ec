#include "ingest/json_fields.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace minsheng::ingest {

using Json = nlohmann::json;

absl::Status FieldError(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

absl::StatusOr<std::optional<std::string>> OptionalString(const Json& object,
                                                          absl::string_view field) {
  auto it = object.find(std::string(field));
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return FieldError(field, "must be a string");
  return it->get<std::string>();
}

absl::StatusOr<std::string> RequiredString(const Json& object, absl::string_view field) {
  auto value = OptionalString(object, field);
  if (!value.ok()) return value.status();
  if (!value->has_value() || absl::StripAsciiWhitespace(**value).empty()) {
    return FieldError(field, "missing");
  }
  return std::move(**value);
}

absl::StatusOr<std::optional<double>> OptionalNumber(const Json& object, absl::string_view field) {
  auto it = object.find(std::string(field));
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) return FieldError(field, "must be a number");
  return it->get<double>();
}

absl::StatusOr<std::optional<v1::GeoPoint>> OptionalLocation(const Json& object) {
  auto lat = OptionalNumber(object, "lat");
  if (!lat.ok()) return lat.status();
  auto lon = OptionalNumber(object, "lon");
  if (!lon.ok()) return lon.status();
  if (lat->has_value() != lon->has_value()) {
    return FieldError(lat->has_value() ? "lon" : "lat", "missing (lat and lon come together)");
  }
  if (!lat->has_value()) return std::nullopt;
  if (!(std::abs(**lat) <= 90)) return FieldError("lat", "out of range [-90, 90]");
  if (!(std::abs(**lon) <= 180)) return FieldError("lon", "out of range [-180, 180]");
  v1::GeoPoint point;
  point.set_lat(**lat);
  point.set_lon(**lon);
  return point;
}

}  // namespace minsheng::ingest
