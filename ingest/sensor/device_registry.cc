#include "ingest/sensor/device_registry.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "ingest/sensor/sensor_reading.h"
#include "ingest/utf8.h"

namespace minsheng::ingest::sensor {
namespace {

constexpr absl::string_view kHeader = "device_id,kind,lat,lon,site";
constexpr int kColumns = 5;

absl::Status LineError(int line, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", reason));
}

// Splits one CSV line (RFC 4180 quoting, no line breaks inside quotes).
absl::StatusOr<std::vector<std::string>> SplitCsvLine(absl::string_view text, int line) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (true) {
    std::string field;
    while (i < text.size() && text[i] == ' ') ++i;
    if (i < text.size() && text[i] == '"') {
      const int column = static_cast<int>(fields.size()) + 1;
      for (++i;; ++i) {
        if (i == text.size()) {
          return LineError(line, absl::StrCat("column ", column, ": unterminated quote"));
        }
        if (text[i] != '"') {
          field += text[i];
        } else if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      }
      while (i < text.size() && text[i] == ' ') ++i;
      if (i < text.size() && text[i] != ',') {
        return LineError(line, absl::StrCat("column ", column, ": text after the closing quote"));
      }
    } else {
      const size_t comma = text.find(',', i);
      const size_t end = comma == absl::string_view::npos ? text.size() : comma;
      field = std::string(absl::StripAsciiWhitespace(text.substr(i, end - i)));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= text.size()) return fields;
    ++i;  // the comma
  }
}

absl::StatusOr<double> Coordinate(const std::string& text, absl::string_view name, double limit,
                                  int line) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value) || std::isnan(value)) {
    return LineError(line, absl::StrCat(name, ": not a number"));
  }
  if (!(std::abs(value) <= limit)) {
    return LineError(line, absl::StrCat(name, ": out of range [-", limit, ", ", limit, "]"));
  }
  return value;
}

}  // namespace

absl::StatusOr<DeviceRegistry> DeviceRegistry::Load(const std::string& csv_path) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(csv_path, ": cannot open (", std::strerror(errno), ")"));
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(csv_path, ": read failed"));
  auto registry = Parse(bytes.str());
  if (!registry.ok()) {
    return absl::Status(registry.status().code(),
                        absl::StrCat(csv_path, ": ", registry.status().message()));
  }
  return registry;
}

absl::StatusOr<DeviceRegistry> DeviceRegistry::Parse(absl::string_view csv) {
  if (auto bad = FindInvalidUtf8(csv)) {
    const int line = 1 + static_cast<int>(std::count(csv.begin(), csv.begin() + *bad, '\n'));
    return LineError(line, absl::StrCat("invalid UTF-8 at byte ", *bad));
  }
  absl::ConsumePrefix(&csv, "\xEF\xBB\xBF");  // byte order mark, as spreadsheets write it

  DeviceRegistry registry;
  std::map<std::string, int, std::less<>> first_line;
  bool header_seen = false;
  int line = 0;
  while (!csv.empty()) {
    ++line;
    const size_t newline = csv.find('\n');
    absl::string_view text = csv.substr(0, newline);
    csv.remove_prefix(newline == absl::string_view::npos ? csv.size() : newline + 1);
    absl::ConsumeSuffix(&text, "\r");
    if (!header_seen) {
      if (text != kHeader) {
        return LineError(line, absl::StrCat("header: expected ", kHeader, ", got ", text));
      }
      header_seen = true;
      continue;
    }
    if (absl::StripAsciiWhitespace(text).empty()) continue;

    auto fields = SplitCsvLine(text, line);
    if (!fields.ok()) return fields.status();
    if (fields->size() != kColumns) {
      return LineError(line, absl::StrCat("expected ", kColumns, " fields (", kHeader, "), got ",
                                          fields->size()));
    }
    RegisteredDevice device;
    device.device_id = std::move((*fields)[0]);
    if (device.device_id.empty()) return LineError(line, "device_id: missing");
    if (device.device_id.size() > kMaxDeviceIdBytes) {
      return LineError(line, absl::StrCat("device_id: longer than ", kMaxDeviceIdBytes, " bytes"));
    }
    if (auto it = first_line.find(device.device_id); it != first_line.end()) {
      return LineError(line, absl::StrCat("device_id: repeats line ", it->second));
    }
    auto kind = FindSensorKind((*fields)[1]);
    if (!kind.ok()) return LineError(line, kind.status().message());
    device.kind = std::move((*fields)[1]);
    auto lat = Coordinate((*fields)[2], "lat", 90, line);
    if (!lat.ok()) return lat.status();
    device.lat = *lat;
    auto lon = Coordinate((*fields)[3], "lon", 180, line);
    if (!lon.ok()) return lon.status();
    device.lon = *lon;
    device.site = std::move((*fields)[4]);

    first_line.emplace(device.device_id, line);
    std::string id = device.device_id;
    registry.devices_.emplace(std::move(id), std::move(device));
  }
  if (!header_seen) {
    return LineError(1, absl::StrCat("header: expected ", kHeader, ", got an empty file"));
  }
  return registry;
}

const RegisteredDevice* DeviceRegistry::Find(absl::string_view device_id) const {
  auto it = devices_.find(device_id);
  return it == devices_.end() ? nullptr : &it->second;
}

}  // namespace minsheng::ingest::sensor
