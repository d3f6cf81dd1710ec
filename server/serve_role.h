#ifndef MINSHENG_SERVER_SERVE_ROLE_H_
#define MINSHENG_SERVER_SERVE_ROLE_H_

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "ingest/personal_data.h"
#include "ingest/sensor/condition_rules.h"
#include "ingest/sensor/device_registry.h"
#include "ingest/text_normalizer.h"
#include "kafka/embedded_broker.h"
#include "kafka/record_writer.h"
#include "processors/case_book.h"
#include "processors/dispatcher.h"
#include "processors/hotline_intake.h"
#include "processors/outcome_waiter.h"
#include "processors/sensor_intake.h"
#include "processors/stream_task.h"
#include "processors/wechat_intake.h"
#include "server/case_service.h"
#include "server/config.h"
#include "server/ingest_service.h"
#include "server/mqtt_bridge.h"
#include "server/wechat_endpoint.h"
#include "store/case_store.h"

namespace minsheng::server {

// `minsheng serve`: state, Kafka, the processing topology, the gRPC API and the intake channels
// in one process. Start brings them up in dependency order and publishes endpoints.json; the
// destructor takes them down in reverse, draining what is in flight.
class ServeRole {
 public:
  explicit ServeRole(ServeConfig config) : config_(std::move(config)) {}
  ~ServeRole();

  absl::Status Start();
  // Serves until SIGINT/SIGTERM (OK) or until processing fails (its error).
  absl::Status Run(const sigset_t& signals);

 private:
  absl::Status OpenState();
  absl::Status StartKafka();
  absl::Status StartProcessing();
  absl::Status StartApi();
  absl::Status StartChannels();
  absl::Status Publish();
  void Stop();

  ServeConfig config_;
  std::unique_ptr<store::CaseStore> store_;
  std::optional<ingest::PersonalDataVault> vault_;
  std::unique_ptr<ingest::TextNormalizer> normalizer_;
  std::unique_ptr<processors::Dispatcher> dispatcher_;
  std::unique_ptr<kafka::EmbeddedBroker> broker_;
  std::string bootstrap_;
  std::unique_ptr<kafka::RecordWriter> writer_;
  std::unique_ptr<processors::OutcomeWaiter> outcomes_;

  // The topology: one stage per intake topic over a shared case book.
  std::unique_ptr<processors::CaseBook> cases_;
  std::unique_ptr<processors::HotlineIntake> hotline_;
  std::unique_ptr<processors::WeChatIntake> wechat_;
  std::optional<ingest::sensor::DeviceRegistry> sensor_registry_;
  std::unique_ptr<processors::SensorIntake> sensors_;
  std::unique_ptr<processors::StreamTask> task_;
  std::thread processor_;
  std::atomic<bool> stop_{false}, assigned_{false}, task_done_{false};
  absl::Status task_status_;

  std::unique_ptr<CaseServiceImpl> case_service_;
  std::unique_ptr<IngestServiceImpl> ingest_service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::string grpc_address_;
  std::unique_ptr<WeChatEndpoint> wechat_endpoint_;
  std::unique_ptr<MqttBridge> mqtt_;
  bool stopped_ = false;
};

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_SERVE_ROLE_H_
