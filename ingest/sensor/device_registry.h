#ifndef MINSHENG_INGEST_SENSOR_DEVICE_REGISTRY_H_
#define MINSHENG_INGEST_SENSOR_DEVICE_REGISTRY_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace minsheng::ingest::sensor {

// A sensor the city has installed: what it measures, where it stands and the place people know
// it by (e.g. "五一广场东侧公厕").
struct RegisteredDevice {
  std::string device_id, kind;
  double lat = 0, lon = 0;
  std::string site;
};

// The city's installed sensors, read from a UTF-8 CSV file (an optional byte order mark and
// CRLF line ends are fine) whose header is exactly
//   device_id,kind,lat,lon,site
// Fields may be quoted ("" inside quotes is one quote), so a site may hold commas; unquoted
// fields are stripped of surrounding spaces; blank lines are skipped. Errors are InvalidArgument
// naming the line, e.g. "line 3: lat: not a number", "line 5: device_id: repeats line 2".
class DeviceRegistry {
 public:
  // Reads and parses the file; errors are prefixed with the path.
  static absl::StatusOr<DeviceRegistry> Load(const std::string& csv_path);
  static absl::StatusOr<DeviceRegistry> Parse(absl::string_view csv);

  // The device, or nullptr when the city has not registered it.
  const RegisteredDevice* Find(absl::string_view device_id) const;
  size_t size() const { return devices_.size(); }

 private:
  DeviceRegistry() = default;

  std::map<std::string, RegisteredDevice, std::less<>> devices_;
};

}  // namespace minsheng::ingest::sensor

#endif  // MINSHENG_INGEST_SENSOR_DEVICE_REGISTRY_H_
