#include "server/import_command.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ingest/hotline_work_order.h"
#include "ingest/work_order_file.h"
#include "kafka/record_writer.h"
#include "kafka/topics.h"
#include "minsheng/v1/ingest_service.grpc.pb.h"
#include "server/endpoints.h"

namespace minsheng::server {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitRowsRejected = 4;
constexpr int kOutcomesPerCall = 10000;
// Import gives up waiting for cases when none was made for this long.
constexpr absl::Duration kStallLimit = absl::Minutes(2);

constexpr char kUsage[] = R"(usage: minsheng import FILE [flags]
  --data-dir DIR        a running server's data dir: its endpoints.json names Kafka and gRPC
                        (default ./var)
  --kafka-brokers LIST  send to this Kafka instead (then --grpc to learn the outcomes)
  --grpc HOST:PORT      the server's gRPC address, to report accepted / duplicates / rejected
  --format jsonl|csv    default: from the file name (.csv is CSV, anything else JSONL)
  --encoding auto|utf-8|gb18030   default auto (UTF-8 if the file is valid UTF-8, else GB18030)
  --preset NAME         a known file shape: tipdm-message-board (../shared/data/messages.jsonl)
  --map FIELD=COLUMN,...  take a contract field from another column, e.g. content=text
  --time-format FMT     read received_at with this format, e.g. "%Y/%m/%d %H:%M:%S"
  --utc-offset +HH:MM   the offset of times read with --time-format (default +08:00)
Exit status: 0 all rows accepted or known, 1 failure, 2 bad usage, 4 some rows rejected.
)";

struct ImportFlags {
  std::string file;
  std::string data_dir = "./var";
  std::string kafka_brokers;
  std::string grpc;
  std::optional<ingest::FileFormat> format;
  ingest::FileEncoding encoding = ingest::FileEncoding::kAuto;
  ingest::FileMapping mapping;
};

absl::StatusOr<int> ParseUtcOffset(const std::string& text) {
  int hours = 0, minutes = 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' ||
      !absl::SimpleAtoi(text.substr(1, 2), &hours) ||
      !absl::SimpleAtoi(text.substr(4, 2), &minutes)) {
    return absl::InvalidArgumentError(absl::StrCat("--utc-offset: expected +HH:MM, got ", text));
  }
  return (text[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
}

absl::StatusOr<ImportFlags> ParseFlags(const std::vector<std::string>& args) {
  ImportFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--")) {
      if (!flags.file.empty()) return absl::InvalidArgumentError("one FILE at a time");
      flags.file = arg;
      continue;
    }
    if (i + 1 >= args.size())
      return absl::InvalidArgumentError(absl::StrCat(arg, ": missing value"));
    const std::string value = args[++i];
    if (arg == "--data-dir") {
      flags.data_dir = value;
    } else if (arg == "--kafka-brokers") {
      flags.kafka_brokers = value;
    } else if (arg == "--grpc") {
      flags.grpc = value;
    } else if (arg == "--format") {
      if (value != "jsonl" && value != "csv") {
        return absl::InvalidArgumentError("--format: jsonl or csv");
      }
      flags.format = value == "csv" ? ingest::FileFormat::kCsv : ingest::FileFormat::kJsonl;
    } else if (arg == "--encoding") {
      const std::string lower = absl::AsciiStrToLower(value);
      if (lower == "auto") {
        flags.encoding = ingest::FileEncoding::kAuto;
      } else if (lower == "utf-8" || lower == "utf8") {
        flags.encoding = ingest::FileEncoding::kUtf8;
      } else if (lower == "gb18030") {
        flags.encoding = ingest::FileEncoding::kGb18030;
      } else {
        return absl::InvalidArgumentError("--encoding: auto, utf-8 or gb18030");
      }
    } else if (arg == "--preset") {
      auto preset = ingest::PresetMapping(value);
      if (!preset.ok()) return preset.status();
      flags.mapping = *std::move(preset);
    } else if (arg == "--map") {
      if (absl::Status s = ingest::ParseFieldMap(value, flags.mapping); !s.ok()) return s;
    } else if (arg == "--time-format") {
      flags.mapping.time_format = value;
    } else if (arg == "--utc-offset") {
      auto offset = ParseUtcOffset(value);
      if (!offset.ok()) return offset.status();
      flags.mapping.utc_offset_seconds = *offset;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
    }
  }
  if (flags.file.empty()) return absl::InvalidArgumentError("FILE: missing");
  if (!flags.format) {
    flags.format = absl::EndsWithIgnoreCase(flags.file, ".csv") ? ingest::FileFormat::kCsv
                                                                : ingest::FileFormat::kJsonl;
  }
  if (flags.kafka_brokers.empty()) {
    std::ifstream in(std::filesystem::path(flags.data_dir) / kEndpointsFile);
    nlohmann::json endpoints = nlohmann::json::parse(in, nullptr, false);
    if (endpoints.is_discarded() || !endpoints.contains("kafka_bootstrap")) {
      return absl::FailedPreconditionError(absl::StrCat(
          "no Kafka to send to: give --kafka-brokers, or the --data-dir of a running server (",
          flags.data_dir, "/endpoints.json is missing)"));
    }
    flags.kafka_brokers = endpoints["kafka_bootstrap"];
    if (flags.grpc.empty()) flags.grpc = endpoints.value("grpc", "");
  }
  return flags;
}

// Redraws one line on stderr, only when it is a terminal.
class ProgressBar {
 public:
  ProgressBar() : enabled_(isatty(STDERR_FILENO)) {}
  void Show(const char* phase, double share, const std::string& detail) {
    if (!enabled_ || absl::Now() - last_ < absl::Milliseconds(100)) return;
    last_ = absl::Now();
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(share * kWidth);
    std::fprintf(stderr, "\r%-18s [%s%s] %3d%%  %s\033[K", phase, std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), static_cast<int>(share * 100),
                 detail.c_str());
  }
  void Done() {
    if (enabled_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
  absl::Time last_ = absl::InfinitePast();
};

struct SentRow {
  int line;
  std::shared_ptr<kafka::PendingWrite> write;
  RecordPosition position;
};

struct Summary {
  int rows = 0;
  int accepted = 0;
  int merged = 0;  // joined an open case as another report of its problem
  int duplicates = 0;
  std::map<int, std::string> rejected;  // line -> reason
};

// Asks the server what became of every sent row until none is pending.
absl::Status CollectOutcomes(const std::string& grpc_address, const std::vector<SentRow>& sent,
                             Summary& summary, ProgressBar& progress) {
  auto stub = v1::IngestService::NewStub(
      grpc::CreateChannel(grpc_address, grpc::InsecureChannelCredentials()));
  std::vector<size_t> pending(sent.size());
  for (size_t i = 0; i < sent.size(); ++i) pending[i] = i;
  absl::Time last_progress = absl::Now();
  while (!pending.empty()) {
    std::vector<size_t> still_pending;
    for (size_t begin = 0; begin < pending.size(); begin += kOutcomesPerCall) {
      const size_t end = std::min(pending.size(), begin + kOutcomesPerCall);
      v1::GetIntakeOutcomesRequest request;
      for (size_t k = begin; k < end; ++k) {
        const RecordPosition& position = sent[pending[k]].position;
        v1::IntakeRecord* record = request.add_records();
        record->set_topic(position.topic);
        record->set_partition(position.partition);
        record->set_offset(position.offset);
      }
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      v1::GetIntakeOutcomesResponse response;
      grpc::Status status = stub->GetIntakeOutcomes(&context, request, &response);
      if (!status.ok()) {
        return absl::UnavailableError(
            absl::StrCat("gRPC ", grpc_address, ": ", status.error_message()));
      }
      for (size_t k = begin; k < end; ++k) {
        const v1::IntakeOutcome& outcome = response.outcomes(static_cast<int>(k - begin));
        const int line = sent[pending[k]].line;
        switch (outcome.kind()) {
          case v1::IntakeOutcome::KIND_OPENED:
            ++summary.accepted;
            break;
          case v1::IntakeOutcome::KIND_MERGED:
            ++summary.merged;
            break;
          case v1::IntakeOutcome::KIND_JOINED:
            ++summary.duplicates;
            break;
          case v1::IntakeOutcome::KIND_REJECTED:
            summary.rejected[line] = outcome.reason();
            break;
          default:
            still_pending.push_back(pending[k]);
        }
      }
    }
    if (still_pending.size() < pending.size()) last_progress = absl::Now();
    if (absl::Now() - last_progress > kStallLimit) {
      return absl::DeadlineExceededError(
          absl::StrCat(still_pending.size(),
                       " rows are in Kafka but the server made no case for 2 minutes; "
                       "is it running? Importing again is safe."));
    }
    pending = std::move(still_pending);
    const size_t done = sent.size() - pending.size();
    progress.Show("waiting for cases", sent.empty() ? 1.0 : double(done) / sent.size(),
                  absl::StrCat(done, "/", sent.size(), " rows"));
    if (!pending.empty()) absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::OkStatus();
}

void PrintSummary(const ImportFlags& flags, const ingest::WorkOrderFile& file,
                  const Summary& summary, bool outcomes_known, int sent) {
  std::printf("minsheng import: %s (%s, %s): %d rows\n", flags.file.c_str(), file.encoding_name(),
              *flags.format == ingest::FileFormat::kCsv ? "CSV" : "JSONL", summary.rows);
  if (outcomes_known) {
    std::printf("  accepted    %8d  new cases\n", summary.accepted);
    std::printf("  merged      %8d  reports of the problem of an open case, joined to it\n",
                summary.merged);
  } else {
    std::printf("  sent        %8d  to Kafka (no --grpc: cases and repeats not known)\n", sent);
  }
  std::printf("  duplicates  %8d  already known\n", summary.duplicates);
  std::printf("  rejected    %8zu\n", summary.rejected.size());
  for (const auto& [line, reason] : summary.rejected) {
    std::printf("    line %d: %s\n", line, reason.c_str());
  }
}

}  // namespace

int RunImport(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
  }
  auto flags = ParseFlags(args);
  if (!flags.ok()) {
    std::fprintf(stderr, "minsheng import: %s\n\n%s", std::string(flags.status().message()).c_str(),
                 kUsage);
    return flags.status().code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  auto file =
      ingest::WorkOrderFile::Read(flags->file, *flags->format, flags->encoding, flags->mapping);
  if (!file.ok()) {
    std::fprintf(stderr, "minsheng import: %s\n", std::string(file.status().message()).c_str());
    return kExitFailure;
  }
  auto writer = kafka::RecordWriter::Create(flags->kafka_brokers, "minsheng-import");
  if (!writer.ok()) {
    std::fprintf(stderr, "minsheng import: %s\n", std::string(writer.status().message()).c_str());
    return kExitFailure;
  }

  ProgressBar progress;
  Summary summary;
  std::map<std::string, int> first_line_of;  // work_order_id -> line, for repeats in the file
  std::vector<SentRow> sent;
  while (std::optional<ingest::FileRow> row = file->Next()) {
    ++summary.rows;
    progress.Show("sending", file->progress(), absl::StrCat(summary.rows, " rows"));
    if (!row->json.ok()) {
      summary.rejected[row->line] = std::string(row->json.status().message());
      continue;
    }
    auto complaint = ingest::ParseHotlineWorkOrder(*row->json);
    if (!complaint.ok()) {
      summary.rejected[row->line] = std::string(complaint.status().message());
      continue;
    }
    if (!first_line_of.emplace(complaint->source_id(), row->line).second) {
      ++summary.duplicates;
      continue;
    }
    sent.push_back(
        {row->line,
         (*writer)->Send(kafka::kHotlineIntakeTopic.name, complaint->source_id(), *row->json),
         {}});
  }
  for (SentRow& row : sent) {
    auto position = row.write->Wait(absl::Seconds(60));
    if (!position.ok()) {
      progress.Done();
      std::fprintf(stderr, "minsheng import: line %d not accepted by Kafka: %s\n", row.line,
                   std::string(position.status().message()).c_str());
      return kExitFailure;
    }
    row.position = *std::move(position);
  }
  const bool outcomes_known = !flags->grpc.empty();
  if (outcomes_known) {
    if (absl::Status s = CollectOutcomes(flags->grpc, sent, summary, progress); !s.ok()) {
      progress.Done();
      std::fprintf(stderr, "minsheng import: %s\n", std::string(s.message()).c_str());
      return kExitFailure;
    }
  }
  progress.Done();
  PrintSummary(*flags, *file, summary, outcomes_known, static_cast<int>(sent.size()));
  return summary.rejected.empty() ? kExitOk : kExitRowsRejected;
}

}  // namespace minsheng::server
