#ifndef MINSHENG_INGEST_SENSOR_SENSOR_READING_H_
#define MINSHENG_INGEST_SENSOR_SENSOR_READING_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace minsheng::ingest::sensor {

// A reading is one small JSON object; anything larger is not a reading.
inline constexpr size_t kMaxSensorReadingBytes = 4 * 1024;
inline constexpr size_t kMaxDeviceIdBytes = 128;
// Device clocks drift; a reading may claim to be this far ahead of the receiver's clock.
inline constexpr absl::Duration kMaxClockSkew = absl::Minutes(5);

// What a city sensor measures, in the one unit minsheng accepts for it, and the range of values
// the quantity can physically take (a reading outside it is a broken device, not a condition).
struct SensorKind {
  absl::string_view name;  // bin_fill, pm10, h2s, water_depth, noise
  absl::string_view unit;  // canonical: %, ug/m3, ppm, cm, dB(A)
  double min = 0;
  double max = 0;
};

// The kind called `name`, or InvalidArgument "kind: unknown \"ph\" (expected bin_fill, pm10,
// h2s, water_depth or noise)".
absl::StatusOr<SensorKind> FindSensorKind(absl::string_view name);

struct SensorReading {
  std::string device_id;
  std::string kind;  // one of the SensorKind names
  double value = 0;
  std::string unit;  // the kind's canonical unit, whichever accepted spelling the device sent
  absl::Time observed_at;
  std::optional<double> lat, lon;  // both or neither
};

// Parses one reading in the sensor JSON contract:
//   {"device_id": "BIN-0042", "kind": "bin_fill", "value": 93.5, "unit": "%",
//    "observed_at": "2025-03-01T09:30:00+08:00", "lat": 28.19, "lon": 112.97}
// device_id (string, <= 128 bytes), kind, value (finite number), unit and observed_at (RFC 3339
// with offset, at most kMaxClockSkew after `now`) are required; lat/lon are optional but come
// together; other fields are ignored. Accepted units: bin_fill %, pm10 ug/m3 (also µg/m3 with
// U+00B5 or U+03BC), h2s ppm, water_depth cm, noise dB(A) (also dBA). A rejection is
// InvalidArgument whose message starts with the offending field ("reading" for the whole), e.g.
// "value: 140 is impossible for bin_fill (0..100 %)".
absl::StatusOr<SensorReading> ParseSensorReading(absl::string_view json, absl::Time now);

}  // namespace minsheng::ingest::sensor

#endif  // MINSHENG_INGEST_SENSOR_SENSOR_READING_H_
