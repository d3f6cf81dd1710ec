#include "ingest/sensor/sensor_reading.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ingest/json_fields.h"
#include "ingest/utf8.h"

namespace minsheng::ingest::sensor {
namespace {

using Json = nlohmann::json;

constexpr SensorKind kKinds[] = {
    {"bin_fill", "%", 0, 100},     {"pm10", "ug/m3", 0, 2000}, {"h2s", "ppm", 0, 1000},
    {"water_depth", "cm", 0, 500}, {"noise", "dB(A)", 0, 200},
};

// Other spellings devices use for a canonical unit.
struct UnitAlias {
  absl::string_view spelling;
  absl::string_view unit;
};
constexpr UnitAlias kUnitAliases[] = {
    {"\xC2\xB5g/m3", "ug/m3"},  // U+00B5 MICRO SIGN
    {"\xCE\xBCg/m3", "ug/m3"},  // U+03BC GREEK SMALL LETTER MU
    {"dBA", "dB(A)"},
};

absl::Status ParseObservedAt(const std::string& text, absl::Time now, SensorReading& reading) {
  std::string error;
  // RFC3339_full requires the offset ("Z" or +hh:mm): a local time without one is ambiguous.
  if (!absl::ParseTime(absl::RFC3339_full, text, &reading.observed_at, &error)) {
    return FieldError("observed_at",
                      absl::StrCat("not an RFC 3339 time with offset (", error, "): ", text));
  }
  if (reading.observed_at - now > kMaxClockSkew) {
    return FieldError(
        "observed_at",
        absl::StrCat("in the future (", text, " is more than ", absl::FormatDuration(kMaxClockSkew),
                     " after ", absl::FormatTime(absl::RFC3339_full, now, absl::UTCTimeZone()),
                     ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SensorKind> FindSensorKind(absl::string_view name) {
  for (const SensorKind& kind : kKinds) {
    if (kind.name == name) return kind;
  }
  return FieldError(
      "kind",
      absl::StrCat("unknown \"", name, "\" (expected bin_fill, pm10, h2s, water_depth or noise)"));
}

absl::StatusOr<SensorReading> ParseSensorReading(absl::string_view json, absl::Time now) {
  if (json.size() > kMaxSensorReadingBytes) {
    return FieldError("reading", absl::StrCat("too large: ", json.size(), " bytes, the limit is ",
                                              kMaxSensorReadingBytes));
  }
  if (auto bad = FindInvalidUtf8(json)) {
    return FieldError("reading", absl::StrCat("invalid UTF-8 at byte ", *bad));
  }
  Json object = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return FieldError("reading", "not valid JSON");
  if (!object.is_object()) return FieldError("reading", "must be a JSON object");

  SensorReading reading;
  auto device_id = RequiredString(object, "device_id");
  if (!device_id.ok()) return device_id.status();
  if (device_id->size() > kMaxDeviceIdBytes) {
    return FieldError("device_id", absl::StrCat("longer than ", kMaxDeviceIdBytes, " bytes"));
  }
  reading.device_id = *std::move(device_id);

  auto kind_name = RequiredString(object, "kind");
  if (!kind_name.ok()) return kind_name.status();
  auto kind = FindSensorKind(*kind_name);
  if (!kind.ok()) return kind.status();
  reading.kind = std::string(kind->name);

  auto value = OptionalNumber(object, "value");
  if (!value.ok()) return value.status();
  if (!value->has_value()) return FieldError("value", "missing");
  if (!std::isfinite(**value)) return FieldError("value", "not a finite number");
  reading.value = **value;

  // The unit is checked before the range: a value in the wrong unit says nothing about the range.
  auto unit = RequiredString(object, "unit");
  if (!unit.ok()) return unit.status();
  absl::string_view canonical = *unit;
  for (const UnitAlias& alias : kUnitAliases) {
    if (*unit == alias.spelling) canonical = alias.unit;
  }
  if (canonical != kind->unit) {
    return FieldError("unit",
                      absl::StrCat("expected ", kind->unit, " for ", kind->name, ", got ", *unit));
  }
  reading.unit = std::string(kind->unit);
  if (!(reading.value >= kind->min && reading.value <= kind->max)) {
    return FieldError("value", absl::StrCat(reading.value, " is impossible for ", kind->name, " (",
                                            kind->min, "..", kind->max, " ", kind->unit, ")"));
  }

  auto observed_at = RequiredString(object, "observed_at");
  if (!observed_at.ok()) return observed_at.status();
  if (absl::Status s = ParseObservedAt(*observed_at, now, reading); !s.ok()) return s;

  auto location = OptionalLocation(object);
  if (!location.ok()) return location.status();
  if (location->has_value()) {
    reading.lat = (*location)->lat();
    reading.lon = (*location)->lon();
  }
  return reading;
}

}  // namespace minsheng::ingest::sensor
