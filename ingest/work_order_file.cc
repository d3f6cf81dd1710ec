#include "ingest/work_order_file.h"

#include <iconv.h>

#include <cerrno>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ingest/utf8.h"

namespace minsheng::ingest {
namespace {

using Json = nlohmann::json;

absl::StatusOr<std::string> Gb18030ToUtf8(const std::string& bytes) {
  iconv_t converter = iconv_open("UTF-8", "GB18030");
  if (converter == reinterpret_cast<iconv_t>(-1)) {
    return absl::UnavailableError("this system's iconv cannot convert GB18030");
  }
  std::string out(bytes.size() * 2 + 16, '\0');
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  absl::Status status;
  if (iconv(converter, &in_ptr, &in_left, &out_ptr, &out_left) == static_cast<size_t>(-1)) {
    status = absl::InvalidArgumentError(absl::StrCat(
        "encoding: neither UTF-8 nor GB18030 (bad byte at ", bytes.size() - in_left, ")"));
  }
  iconv_close(converter);
  if (!status.ok()) return status;
  out.resize(out.size() - out_left);
  return out;
}

absl::StatusOr<std::string> Decode(std::string bytes, FileEncoding& encoding) {
  if (encoding != FileEncoding::kGb18030) {
    std::optional<size_t> bad = FindInvalidUtf8(bytes);
    if (!bad) {
      encoding = FileEncoding::kUtf8;
      if (absl::StartsWith(bytes, "\xEF\xBB\xBF")) bytes.erase(0, 3);  // byte order mark
      return bytes;
    }
    if (encoding == FileEncoding::kUtf8) {
      return absl::InvalidArgumentError(absl::StrCat("encoding: invalid UTF-8 at byte ", *bad));
    }
  }
  encoding = FileEncoding::kGb18030;
  return Gb18030ToUtf8(bytes);
}

absl::Status RowError(absl::string_view reason) { return absl::InvalidArgumentError(reason); }

// Reads a local time as --time-format says, or as a spreadsheet serial date (days since
// 1899-12-30, as Excel exports dates), and writes it as RFC 3339 with the mapping's offset.
absl::StatusOr<std::string> LocalTime(const Json& value, const FileMapping& mapping) {
  const absl::TimeZone zone = absl::FixedTimeZone(mapping.utc_offset_seconds);
  const std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  absl::Time time;
  std::string error;
  double serial = 0;
  constexpr double kLastSerialDay = 2958465;  // 9999-12-31
  const bool is_serial =
      value.is_number() ? (serial = value.get<double>(), true) : absl::SimpleAtod(text, &serial);
  if (is_serial) {
    if (!(serial >= 1 && serial <= kLastSerialDay)) {  // also catches nan
      return RowError(absl::StrCat("received_at: ", text, " is no spreadsheet date"));
    }
    const absl::Time epoch = absl::FromCivil(absl::CivilSecond(1899, 12, 30, 0, 0, 0), zone);
    time = epoch + absl::Seconds(std::round(serial * 86400));
  } else if (!absl::ParseTime(mapping.time_format, text, zone, &time, &error)) {
    return RowError(absl::StrCat("received_at: \"", text, "\" does not match the time format ",
                                 mapping.time_format));
  }
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*S%Ez", time, zone);
}

// Renames the file's keys to contract fields; keys that are not sources stay as they are (extra).
absl::StatusOr<std::string> MapRow(const Json& row, const FileMapping& mapping, bool from_csv) {
  Json order = Json::object();
  std::set<std::string> sources;
  for (const auto& [field, source] : mapping.fields) {
    auto it = row.find(source);
    if (it == row.end()) continue;
    order[field] = *it;
    sources.insert(source);
  }
  for (const auto& [key, value] : row.items()) {
    if (sources.contains(key)) continue;
    order[order.contains(key) ? key + "_original" : key] = value;
  }
  if (from_csv) {
    // CSV has no numbers; coordinates that read as numbers become numbers.
    for (const char* field : {"lat", "lon"}) {
      double number = 0;
      if (order.contains(field) && order[field].is_string() &&
          absl::SimpleAtod(order[field].get<std::string>(), &number)) {
        order[field] = number;
      }
    }
  }
  if (!mapping.time_format.empty() && order.contains("received_at")) {
    auto time = LocalTime(order["received_at"], mapping);
    if (!time.ok()) return time.status();
    order["received_at"] = *std::move(time);
  }
  return order.dump();
}

}  // namespace

absl::StatusOr<FileMapping> PresetMapping(absl::string_view name) {
  if (name == "tipdm-message-board") {
    // ../shared/data/messages.jsonl: id, user, title, time (local, Y/M/D H:MM:SS), text.
    return FileMapping{
        .fields = {{"work_order_id", "id"}, {"content", "text"}, {"received_at", "time"}},
        .time_format = "%Y/%m/%d %H:%M:%S",
        .utc_offset_seconds = 8 * 3600};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("preset: unknown \"", name, "\" (known: tipdm-message-board)"));
}

absl::Status ParseFieldMap(absl::string_view text, FileMapping& mapping) {
  for (absl::string_view pair : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::pair<std::string, std::string> to_from =
        absl::StrSplit(absl::StripAsciiWhitespace(pair), absl::MaxSplits('=', 1));
    if (to_from.first.empty() || to_from.second.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("map: expected field=column, got \"", pair, "\""));
    }
    mapping.fields[to_from.first] = to_from.second;
  }
  return absl::OkStatus();
}

absl::StatusOr<WorkOrderFile> WorkOrderFile::Read(const std::string& path, FileFormat format,
                                                  FileEncoding encoding, FileMapping mapping) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  return FromBytes(bytes.str(), format, encoding, std::move(mapping));
}

absl::StatusOr<WorkOrderFile> WorkOrderFile::FromBytes(std::string bytes, FileFormat format,
                                                       FileEncoding encoding, FileMapping mapping) {
  auto text = Decode(std::move(bytes), encoding);
  if (!text.ok()) return text.status();
  WorkOrderFile file(*std::move(text), format, encoding, std::move(mapping));
  if (format == FileFormat::kCsv) {
    auto header = file.ReadCsvRecord();
    if (!header.ok()) return header.status();
    if (header->empty() || (header->size() == 1 && header->front().empty())) {
      return absl::InvalidArgumentError("csv: the first line must name the columns");
    }
    file.header_ = *std::move(header);
  }
  return file;
}

double WorkOrderFile::progress() const {
  return text_.empty() ? 1.0 : static_cast<double>(position_) / text_.size();
}

std::optional<FileRow> WorkOrderFile::Next() {
  return format_ == FileFormat::kJsonl ? NextJsonLine() : NextCsvRecord();
}

std::optional<FileRow> WorkOrderFile::NextJsonLine() {
  while (position_ < text_.size()) {
    size_t end = text_.find('\n', position_);
    if (end == std::string::npos) end = text_.size();
    absl::string_view line(text_.data() + position_, end - position_);
    line = absl::StripAsciiWhitespace(line);
    position_ = end + 1;
    const int number = line_++;
    if (line.empty()) continue;
    Json row = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (row.is_discarded()) return FileRow{number, RowError("line: not valid JSON")};
    if (!row.is_object()) return FileRow{number, RowError("line: not a JSON object")};
    return FileRow{number, MapRow(row, mapping_, /*from_csv=*/false)};
  }
  position_ = text_.size();
  return std::nullopt;
}

std::optional<FileRow> WorkOrderFile::NextCsvRecord() {
  while (position_ < text_.size()) {
    const int number = line_;
    auto record = ReadCsvRecord();
    if (!record.ok()) return FileRow{number, record.status()};
    if (record->size() == 1 && record->front().empty()) continue;  // blank line
    if (record->size() != header_.size()) {
      return FileRow{number, RowError(absl::StrCat("csv: ", record->size(),
                                                   " columns, the header has ", header_.size()))};
    }
    Json row = Json::object();
    for (size_t i = 0; i < header_.size(); ++i) {
      if (!(*record)[i].empty()) row[header_[i]] = (*record)[i];  // empty cell = absent
    }
    return FileRow{number, MapRow(row, mapping_, /*from_csv=*/true)};
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<std::string>> WorkOrderFile::ReadCsvRecord() {
  std::vector<std::string> fields(1);
  bool quoted = false;
  const int start_line = line_;
  while (position_ < text_.size()) {
    const char c = text_[position_++];
    if (quoted) {
      if (c == '"') {
        if (position_ < text_.size() && text_[position_] == '"') {
          fields.back() += '"';
          ++position_;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line_;
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c == '\n') {
      ++line_;
      break;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  if (quoted) {
    return RowError(absl::StrCat("csv: quote opened on line ", start_line, " never closes"));
  }
  for (std::string& field : fields) {
    field = std::string(absl::StripAsciiWhitespace(field));
  }
  return fields;
}

}  // namespace minsheng::ingest
