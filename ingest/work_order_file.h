#ifndef MINSHENG_INGEST_WORK_ORDER_FILE_H_
#define MINSHENG_INGEST_WORK_ORDER_FILE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace minsheng::ingest {

// How the rows of an exported file become hotline work orders (README "Importing work orders").
struct FileMapping {
  // Contract field -> the file's column or JSON key holding it, e.g. content -> text. Fields not
  // named here are looked up under their own names; the file's other columns are kept as extra.
  std::map<std::string, std::string> fields;
  // When set, received_at is read with this absl::ParseTime format in the given UTC offset and
  // becomes RFC 3339 (exports often hold local times such as "2019/2/28 11:25:05").
  std::string time_format;
  int utc_offset_seconds = 8 * 3600;
};

// Named mappings for files whose shape is known, e.g. "tipdm-message-board" for
// ../shared/data/messages.jsonl.
absl::StatusOr<FileMapping> PresetMapping(absl::string_view name);
// Parses "to=from,to=from" into mapping.fields.
absl::Status ParseFieldMap(absl::string_view text, FileMapping& mapping);

enum class FileFormat { kJsonl, kCsv };
enum class FileEncoding { kAuto, kUtf8, kGb18030 };

// One row of the file as the hotline JSON contract, or why it could not be read.
struct FileRow {
  int line = 0;  // where the row starts, from 1
  absl::StatusOr<std::string> json;
};

// An export of work orders, JSONL or CSV with a header row, in UTF-8 or GB18030, decoded whole
// into memory.
class WorkOrderFile {
 public:
  static absl::StatusOr<WorkOrderFile> Read(const std::string& path, FileFormat format,
                                            FileEncoding encoding, FileMapping mapping);
  // The same, from text already in memory (tests).
  static absl::StatusOr<WorkOrderFile> FromBytes(std::string bytes, FileFormat format,
                                                 FileEncoding encoding, FileMapping mapping);

  const char* encoding_name() const {
    return encoding_ == FileEncoding::kGb18030 ? "GB18030" : "UTF-8";
  }
  // The next row, or nullopt at the end.
  std::optional<FileRow> Next();
  // Share of the text read so far, for a progress bar.
  double progress() const;

 private:
  WorkOrderFile(std::string text, FileFormat format, FileEncoding encoding, FileMapping mapping)
      : text_(std::move(text)),
        format_(format),
        encoding_(encoding),
        mapping_(std::move(mapping)) {}

  std::optional<FileRow> NextJsonLine();
  std::optional<FileRow> NextCsvRecord();
  // Reads one CSV record (RFC 4180: quotes, "" escapes, line breaks inside quotes).
  absl::StatusOr<std::vector<std::string>> ReadCsvRecord();

  std::string text_;
  FileFormat format_;
  FileEncoding encoding_;
  FileMapping mapping_;
  size_t position_ = 0;
  int line_ = 1;
  std::vector<std::string> header_;
};

}  // namespace minsheng::ingest

#endif  // MINSHENG_INGEST_WORK_ORDER_FILE_H_
