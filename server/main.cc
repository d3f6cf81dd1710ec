// The minsheng binary. Roles:
//   minsheng serve [flags]   everything in one process (default broker: embedded)
//   minsheng kafka [flags]   only the embedded broker, for tests and demos that must outlive a
//                            killed server
//   minsheng import FILE     historical work orders through the intake topic
//   minsheng stats [flags]   counts of a data dir, for reconciliation
//   minsheng forget-positions [flags]   recovery after lost input

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "kafka/embedded_broker.h"
#include "server/classifier_commands.h"
#include "server/config.h"
#include "server/endpoints.h"
#include "server/import_command.h"
#include "server/serve_role.h"
#include "server/shutdown_signals.h"
#include "store/case_store.h"

namespace minsheng::server {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const absl::Status& status) {
  LogError(status.message());
  return kExitFailure;
}

absl::StatusOr<ServeConfig> ParseOrExplain(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(ServeUsage().c_str(), stdout);
      std::exit(kExitOk);
    }
  }
  auto config = ParseServeConfig(args);
  if (!config.ok())
    std::fprintf(stderr, "minsheng: %s\n\n%s", config.status().ToString().c_str(),
                 ServeUsage().c_str());
  return config;
}

int RunKafka(const std::vector<std::string>& args) {
  auto config = ParseOrExplain(args);
  if (!config.ok()) return kExitUsage;
  const sigset_t signals = BlockShutdownSignals();
  std::filesystem::create_directories(config->data_dir);
  auto broker = kafka::EmbeddedBroker::Start();
  if (!broker.ok()) return Fail(broker.status());
  if (absl::Status s =
          WriteEndpoints(config->data_dir, {.kafka_bootstrap = (*broker)->bootstrap_servers()});
      !s.ok()) {
    return Fail(s);
  }
  std::printf("minsheng kafka: embedded broker at %s\n", (*broker)->bootstrap_servers().c_str());
  std::fflush(stdout);
  std::atomic<bool> never(false);
  WaitForShutdown(signals, never);
  RemoveEndpoints(config->data_dir);
  return kExitOk;
}

std::string StatePath(const ServeConfig& config) {
  return (std::filesystem::path(config.data_dir) / "state").string();
}

// Prints what the store holds as one JSON object, for operators reconciling inputs against
// cases: records consumed = cases_opened + duplicates + merged + readings_without_case +
// rejected (README "Guarantees").
int RunStats(const std::vector<std::string>& args) {
  auto config = ParseOrExplain(args);
  if (!config.ok()) return kExitUsage;
  auto store = store::CaseStore::Open(StatePath(*config), {.read_only = true});
  if (!store.ok()) return Fail(store.status());
  int64_t cases = 0;
  if (absl::Status s = (*store)->ForEachCase([&](const v1::Case&) { return ++cases > 0; });
      !s.ok()) {
    return Fail(s);
  }
  auto counters = (*store)->Counters();
  if (!counters.ok()) return Fail(counters.status());
  auto offsets = (*store)->Offsets();
  if (!offsets.ok()) return Fail(offsets.status());
  nlohmann::json json = {{"cases", cases}, {"counters", *counters}, {"offsets", *offsets}};
  std::printf("%s\n", json.dump(2).c_str());
  return kExitOk;
}

// For an operator after `input lost`: the next start reads each partition from the broker's log
// start. Records still there are taken again; the work orders among them are recognised as
// repeats, invalid ones are dead-lettered again.
int RunForgetPositions(const std::vector<std::string>& args) {
  auto config = ParseOrExplain(args);
  if (!config.ok()) return kExitUsage;
  auto store = store::CaseStore::Open(StatePath(*config), {});
  if (!store.ok()) return Fail(store.status());
  if (absl::Status s = (*store)->ForgetPositions(); !s.ok()) return Fail(s);
  std::printf("minsheng: stored positions forgotten in %s\n", config->data_dir.c_str());
  return kExitOk;
}

int RunServe(const std::vector<std::string>& args) {
  auto config = ParseOrExplain(args);
  if (!config.ok()) return kExitUsage;
  const sigset_t signals = BlockShutdownSignals();
  ServeRole serve(*std::move(config));
  if (absl::Status s = serve.Start(); !s.ok()) return Fail(s);
  if (absl::Status s = serve.Run(signals); !s.ok()) return Fail(s);
  LogInfo("stopped cleanly");
  return kExitOk;
}

constexpr char kUsage[] = R"(usage: minsheng ROLE [flags]
roles:
  serve   ingest, process and serve gRPC in one process (see: minsheng serve --help)
  kafka   run only the embedded Kafka broker; writes <data-dir>/endpoints.json
  import  load historical work orders from JSONL or CSV (see: minsheng import --help)
  stats   print case and intake counts of a data dir as JSON (works beside a running server)
  forget-positions
          with the server stopped, drop the stored Kafka positions (after "input lost")
  train   train the complaint classifier on labelled complaints (see: minsheng train --help)
  eval    measure a classifier model on labelled complaints (see: minsheng eval --help)
)";

}  // namespace
}  // namespace minsheng::server

int main(int argc, char** argv) {
  using namespace minsheng::server;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string role = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  if (role == "serve") return RunServe(args);
  if (role == "kafka") return RunKafka(args);
  if (role == "stats") return RunStats(args);
  if (role == "import") return RunImport(args);
  if (role == "train") return RunTrain(args);
  if (role == "eval") return RunEval(args);
  if (role == "forget-positions") return RunForgetPositions(args);
  if (role == "--help" || role == "-h" || role == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "minsheng: unknown role %s\n%s", role.c_str(), kUsage);
  return kExitUsage;
}
