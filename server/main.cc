// The minsheng binary. Roles:
//   minsheng serve [flags]   everything in one process (default broker: embedded)
//   minsheng kafka [flags]   only the embedded broker, for tests and demos that must outlive a
//                            killed server
//   minsheng import FILE     historical work orders through the intake topic
//   minsheng stats [flags]   counts of a data dir, for reconciliation
//   minsheng forget-positions [flags]   recovery after lost input
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "ingest/personal_data.h"
#include "ingest/text_normalizer.h"
#include "kafka/embedded_broker.h"
#include "kafka/record_writer.h"
#include "kafka/topics.h"
#include "processors/case_book.h"
#include "processors/hotline_intake.h"
#include "processors/outcome_waiter.h"
#include "processors/sensor_intake.h"
#include "processors/stream_task.h"
#include "processors/wechat_intake.h"
#include "server/case_service.h"
#include "server/config.h"
#include "server/endpoints.h"
#include "server/import_command.h"
#include "server/ingest_service.h"
#include "server/mqtt_bridge.h"
#include "server/wechat_endpoint.h"
#include "store/case_store.h"

namespace minsheng::server {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// SIGINT and SIGTERM are blocked in every thread and taken synchronously by the main thread,
// so shutdown runs as ordinary code, not inside a signal handler.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Waits for SIGINT/SIGTERM, or until done becomes true. Returns the signal, or 0.
int WaitForShutdown(const sigset_t& signals, const std::atomic<bool>& done) {
  const timespec tick = {0, 200 * 1000 * 1000};
  while (!done.load()) {
    int signal = sigtimedwait(&signals, nullptr, &tick);
    if (signal > 0) return signal;
  }
  return 0;
}

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
// cases: records consumed = cases_opened + duplicates + rejected.
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

  auto store = store::CaseStore::Open(StatePath(*config), {.sync_writes = config->sync_writes});
  if (!store.ok()) return Fail(store.status());

  std::unique_ptr<kafka::EmbeddedBroker> broker;
  std::string bootstrap = config->kafka_brokers;
  if (bootstrap.empty()) {
    auto started = kafka::EmbeddedBroker::Start();
    if (!started.ok()) return Fail(started.status());
    broker = *std::move(started);
    bootstrap = broker->bootstrap_servers();
    // A new embedded broker is empty: positions stored against the previous one mean nothing.
    if (absl::Status s = (*store)->ForgetPositions(); !s.ok()) return Fail(s);
  } else if (absl::Status s = kafka::EnsureTopics(bootstrap, config->kafka_replication_factor);
             !s.ok()) {
    return Fail(s);
  }

  auto writer = kafka::RecordWriter::Create(bootstrap, "minsheng-ingest");
  if (!writer.ok()) return Fail(writer.status());
  processors::OutcomeWaiter outcomes(**store);
  CaseServiceImpl case_service(**store);
  IngestServiceImpl ingest_service(**store, **writer, outcomes);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC would share a busy port with another process (SO_REUSEPORT), splitting the traffic
  // between two servers; a second minsheng on the same address must fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int grpc_port = 0;
  builder.AddListeningPort(config->grpc_listen, grpc::InsecureServerCredentials(), &grpc_port);
  builder.RegisterService(&case_service);
  builder.RegisterService(&ingest_service);
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();
  if (!grpc_server || grpc_port == 0) {
    return Fail(absl::UnavailableError(
        absl::StrCat("grpc-listen: cannot listen on ", config->grpc_listen)));
  }
  const std::string grpc_address =
      absl::StrCat(config->grpc_listen.substr(0, config->grpc_listen.rfind(':')), ":", grpc_port);

  auto vault = ingest::PersonalDataVault::OpenOrCreate(
      config->personal_data_key_file.empty()
          ? (std::filesystem::path(config->data_dir) / "secrets" / "personal-data.key").string()
          : config->personal_data_key_file);
  if (!vault.ok()) return Fail(vault.status());
  auto normalizer = ingest::TextNormalizer::Create();
  if (!normalizer.ok()) return Fail(normalizer.status());
  processors::CaseBook cases(**normalizer, *vault);
  processors::HotlineIntake hotline(cases);
  processors::WeChatIntake wechat(cases, config->wechat_assembly_window);
  auto registry = config->sensor_registry.empty()
                      ? ingest::sensor::DeviceRegistry::Parse("device_id,kind,lat,lon,site\n")
                      : ingest::sensor::DeviceRegistry::Load(config->sensor_registry);
  if (!registry.ok()) return Fail(registry.status());
  auto rules = config->sensor_rules.empty()
                   ? absl::StatusOr<std::vector<ingest::sensor::ConditionRule>>(
                         ingest::sensor::DefaultRules())
                   : ingest::sensor::LoadRules(config->sensor_rules);
  if (!rules.ok()) return Fail(rules.status());
  if (registry->size() == 0) {
    LogWarning("no --sensor-registry: every sensor reading will be dead-lettered as unknown");
  }
  processors::SensorIntake sensors(cases, *registry, *std::move(rules));
  std::atomic<bool> assigned(false);
  auto task = processors::StreamTask::Create({.bootstrap_servers = bootstrap,
                                              .on_commit = [&] { outcomes.OnCommit(); },
                                              .on_assigned = [&] { assigned = true; }},
                                             **store,
                                             {{kafka::kHotlineIntakeTopic.name, &hotline},
                                              {kafka::kWeChatIntakeTopic.name, &wechat},
                                              {kafka::kSensorIntakeTopic.name, &sensors}});
  if (!task.ok()) return Fail(task.status());
  std::atomic<bool> stop(false), task_done(false);
  absl::Status task_status;
  std::thread processor([&] {
    task_status = (*task)->Run(stop);
    task_done = true;
  });

  std::unique_ptr<WeChatEndpoint> wechat_endpoint;
  if (!config->wechat_token.empty()) {
    auto started = WeChatEndpoint::Start({.listen = config->wechat_listen,
                                          .token = config->wechat_token,
                                          .encoding_aes_key = config->wechat_aes_key,
                                          .app_id = config->wechat_appid},
                                         **store, **writer, outcomes, *vault);
    if (!started.ok()) {
      stop = true;
      processor.join();
      return Fail(started.status());
    }
    wechat_endpoint = *std::move(started);
  }
  const std::string wechat_address = wechat_endpoint ? wechat_endpoint->address() : "";
  std::unique_ptr<MqttBridge> mqtt;
  if (!config->mqtt_broker.empty()) {
    auto started = MqttBridge::Start(config->mqtt_broker, config->mqtt_topic, **writer);
    if (!started.ok()) {
      stop = true;
      processor.join();
      return Fail(started.status());
    }
    mqtt = *std::move(started);
  }

  // Ready to accept work means the processor has its partitions: a ticket asked for from now on
  // comes within the reply deadline, not after the group join.
  const absl::Time join_deadline = absl::Now() + absl::Seconds(60);
  while (!assigned && !task_done && absl::Now() < join_deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (!assigned) LogWarning("the processor has not joined its consumer group yet");
  absl::Status published =
      WriteEndpoints(config->data_dir, {bootstrap, grpc_address, wechat_address});
  if (published.ok()) {
    std::printf("minsheng serve: kafka at %s, grpc at %s, wechat at %s, data in %s\n",
                bootstrap.c_str(), grpc_address.c_str(),
                wechat_endpoint ? absl::StrCat("http://", wechat_address, "/wechat").c_str()
                                : "(off: no --wechat-token)",
                config->data_dir.c_str());
    std::fflush(stdout);
    if (int signal = WaitForShutdown(signals, task_done); signal > 0) {
      LogInfo("shutting down on ", strsignal(signal));
    }
  }
  RemoveEndpoints(config->data_dir);
  wechat_endpoint.reset();
  mqtt.reset();
  // gRPC drains first: submissions in flight still need the processor for their tickets.
  grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  stop = true;
  processor.join();
  task->reset();
  writer->reset();
  broker.reset();
  if (!published.ok()) return Fail(published);
  if (!task_status.ok()) return Fail(task_status);
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
  if (role == "forget-positions") return RunForgetPositions(args);
  if (role == "--help" || role == "-h" || role == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::fprintf(stderr, "minsheng: unknown role %s\n%s", role.c_str(), kUsage);
  return kExitUsage;
}
