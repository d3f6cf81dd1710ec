#include "server/serve_role.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <cstdio>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "kafka/topics.h"
#include "server/endpoints.h"
#include "server/shutdown_signals.h"

namespace minsheng::server {
namespace {

constexpr absl::Duration kGroupJoinLimit = absl::Seconds(60);

}  // namespace

ServeRole::~ServeRole() { Stop(); }

absl::Status ServeRole::Start() {
  for (auto phase : {&ServeRole::OpenState, &ServeRole::StartKafka, &ServeRole::StartApi,
                     &ServeRole::StartProcessing, &ServeRole::StartChannels, &ServeRole::Publish}) {
    if (absl::Status s = (this->*phase)(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ServeRole::OpenState() {
  auto store = store::CaseStore::Open((std::filesystem::path(config_.data_dir) / "state").string(),
                                      {.sync_writes = config_.sync_writes});
  if (!store.ok()) return store.status();
  store_ = *std::move(store);
  auto vault = ingest::PersonalDataVault::OpenOrCreate(
      config_.personal_data_key_file.empty()
          ? (std::filesystem::path(config_.data_dir) / "secrets" / "personal-data.key").string()
          : config_.personal_data_key_file);
  if (!vault.ok()) return vault.status();
  vault_ = *std::move(vault);
  auto normalizer = ingest::TextNormalizer::Create();
  if (!normalizer.ok()) return normalizer.status();
  normalizer_ = *std::move(normalizer);
  // Dispatch files are checked before anything starts, so a typo stops the server at once.
  auto dispatcher = processors::Dispatcher::Create({
      .taxonomy = config_.taxonomy,
      .classifier_model = config_.classifier_model,
      .working_calendar = config_.working_calendar,
      .city_areas = config_.city_areas,
      .city_gazetteer = config_.city_gazetteer,
      .routing_rules = config_.routing_rules,
      .triage_threshold = config_.triage_threshold,
  });
  if (!dispatcher.ok()) return dispatcher.status();
  dispatcher_ = *std::move(dispatcher);
  return absl::OkStatus();
}

absl::Status ServeRole::StartKafka() {
  bootstrap_ = config_.kafka_brokers;
  if (bootstrap_.empty()) {
    auto broker = kafka::EmbeddedBroker::Start();
    if (!broker.ok()) return broker.status();
    broker_ = *std::move(broker);
    bootstrap_ = broker_->bootstrap_servers();
    // A new embedded broker is empty: positions stored against the previous one mean nothing.
    if (absl::Status s = store_->ForgetPositions(); !s.ok()) return s;
  } else if (absl::Status s = kafka::EnsureTopics(bootstrap_, config_.kafka_replication_factor);
             !s.ok()) {
    return s;
  }
  auto writer = kafka::RecordWriter::Create(bootstrap_, "minsheng-ingest");
  if (!writer.ok()) return writer.status();
  writer_ = *std::move(writer);
  outcomes_ = std::make_unique<processors::OutcomeWaiter>(*store_);
  return absl::OkStatus();
}

absl::Status ServeRole::StartApi() {
  case_service_ = std::make_unique<CaseServiceImpl>(*store_);
  ingest_service_ = std::make_unique<IngestServiceImpl>(*store_, *writer_, *outcomes_);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC would share a busy port with another process (SO_REUSEPORT), splitting the traffic
  // between two servers; a second minsheng on the same address must fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(config_.grpc_listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(case_service_.get());
  builder.RegisterService(ingest_service_.get());
  grpc_server_ = builder.BuildAndStart();
  if (!grpc_server_ || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("grpc-listen: cannot listen on ", config_.grpc_listen));
  }
  grpc_address_ =
      absl::StrCat(config_.grpc_listen.substr(0, config_.grpc_listen.rfind(':')), ":", port);
  return absl::OkStatus();
}

absl::Status ServeRole::StartProcessing() {
  auto registry = config_.sensor_registry.empty()
                      ? ingest::sensor::DeviceRegistry::Parse("device_id,kind,lat,lon,site\n")
                      : ingest::sensor::DeviceRegistry::Load(config_.sensor_registry);
  if (!registry.ok()) return registry.status();
  sensor_registry_ = *std::move(registry);
  if (sensor_registry_->size() == 0) {
    LogWarning("no --sensor-registry: every sensor reading will be dead-lettered as unknown");
  }
  auto rules = config_.sensor_rules.empty()
                   ? absl::StatusOr<std::vector<ingest::sensor::ConditionRule>>(
                         ingest::sensor::DefaultRules())
                   : ingest::sensor::LoadRules(config_.sensor_rules);
  if (!rules.ok()) return rules.status();
  for (const ingest::sensor::ConditionRule& rule : *rules) {
    if (!dispatcher_->HasCategory(rule.category)) {
      return absl::InvalidArgumentError(absl::StrCat("sensor rule ", rule.kind, ": category ",
                                                     rule.category, " is not in the taxonomy"));
    }
  }

  cases_ = std::make_unique<processors::CaseBook>(*normalizer_, *vault_, *dispatcher_);
  hotline_ = std::make_unique<processors::HotlineIntake>(*cases_);
  wechat_ = std::make_unique<processors::WeChatIntake>(*cases_, config_.wechat_assembly_window);
  sensors_ =
      std::make_unique<processors::SensorIntake>(*cases_, *sensor_registry_, *std::move(rules));
  auto task = processors::StreamTask::Create({.bootstrap_servers = bootstrap_,
                                              .on_commit = [this] { outcomes_->OnCommit(); },
                                              .on_assigned = [this] { assigned_ = true; }},
                                             *store_,
                                             {{kafka::kHotlineIntakeTopic.name, hotline_.get()},
                                              {kafka::kWeChatIntakeTopic.name, wechat_.get()},
                                              {kafka::kSensorIntakeTopic.name, sensors_.get()}});
  if (!task.ok()) return task.status();
  task_ = *std::move(task);
  processor_ = std::thread([this] {
    task_status_ = task_->Run(stop_);
    task_done_ = true;
  });
  return absl::OkStatus();
}

absl::Status ServeRole::StartChannels() {
  if (!config_.wechat_token.empty()) {
    auto endpoint = WeChatEndpoint::Start({.listen = config_.wechat_listen,
                                           .token = config_.wechat_token,
                                           .encoding_aes_key = config_.wechat_aes_key,
                                           .app_id = config_.wechat_appid},
                                          *store_, *writer_, *outcomes_, *vault_);
    if (!endpoint.ok()) return endpoint.status();
    wechat_endpoint_ = *std::move(endpoint);
  }
  if (!config_.mqtt_broker.empty()) {
    auto bridge = MqttBridge::Start(config_.mqtt_broker, config_.mqtt_topic, *writer_);
    if (!bridge.ok()) return bridge.status();
    mqtt_ = *std::move(bridge);
  }
  return absl::OkStatus();
}

// Ready to accept work means the processor has its partitions, so a ticket asked for from now on
// comes within the reply deadline, not after the group join.
absl::Status ServeRole::Publish() {
  const absl::Time deadline = absl::Now() + kGroupJoinLimit;
  while (!assigned_ && !task_done_ && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  if (task_done_) return task_status_;
  if (!assigned_) LogWarning("the processor has not joined its consumer group yet");
  const std::string wechat = wechat_endpoint_ ? wechat_endpoint_->address() : "";
  if (absl::Status s = WriteEndpoints(config_.data_dir, {bootstrap_, grpc_address_, wechat});
      !s.ok()) {
    return s;
  }
  std::printf("minsheng serve: kafka at %s, grpc at %s, wechat at %s, data in %s\n",
              bootstrap_.c_str(), grpc_address_.c_str(),
              wechat.empty() ? "(off: no --wechat-token)"
                             : absl::StrCat("http://", wechat, "/wechat").c_str(),
              config_.data_dir.c_str());
  std::fflush(stdout);
  return absl::OkStatus();
}

absl::Status ServeRole::Run(const sigset_t& signals) {
  if (int signal = WaitForShutdown(signals, task_done_); signal > 0) {
    LogInfo("shutting down on ", strsignal(signal));
  }
  Stop();
  return task_status_;
}

void ServeRole::Stop() {
  if (stopped_) return;
  stopped_ = true;
  RemoveEndpoints(config_.data_dir);
  wechat_endpoint_.reset();
  mqtt_.reset();
  // gRPC drains first: submissions in flight still need the processor for their tickets.
  if (grpc_server_) {
    grpc_server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  stop_ = true;
  if (processor_.joinable()) processor_.join();
  task_.reset();
  writer_.reset();
  broker_.reset();
}

}  // namespace minsheng::server
