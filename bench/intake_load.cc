// Load driver for the hotline intake path (see bench/README.md). It starts the real
// `minsheng serve` with its embedded broker, produces work orders built from real citizen
// messages with librdkafka, and watches cases appear over gRPC:
//   1. throughput: N work orders as fast as the processor takes them, paced by a window so the
//      embedded broker (about 5 MiB per partition) never drops unconsumed input;
//   2. latency: a steady rate for some seconds, p50/p99 from produce to queryable via gRPC;
//   3. ceilings: raw librdkafka consume rate of the same messages, raw RocksDB write rate of the
//      same number of records, so each figure is also reported as a ratio.
// Every work order must become a case or join one (real texts repeat: near-duplicates merge),
// checked through `minsheng stats`, or the run fails.
#include <grpcpp/grpcpp.h>
#include <librdkafka/rdkafkacpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "minsheng/v1/case_service.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

constexpr char kIntakeTopic[] = "minsheng.intake.hotline.v1";

struct Flags {
  std::string binary = "build/bin/minsheng";
  std::string messages = "../shared/data/messages.jsonl";
  int orders = 200000;
  int rate = 10000;
  int latency_seconds = 20;
  int window = 30000;  // work orders produced ahead of the newest one seen as a case
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "intake_load: %s\n", message.c_str());
  std::exit(1);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--binary")
      flags.binary = value;
    else if (name == "--messages")
      flags.messages = value;
    else if (name == "--orders")
      flags.orders = std::stoi(value);
    else if (name == "--rate")
      flags.rate = std::stoi(value);
    else if (name == "--latency-seconds")
      flags.latency_seconds = std::stoi(value);
    else if (name == "--window")
      flags.window = std::stoi(value);
    else
      Die("unknown flag " + name);
  }
  return flags;
}

// Work orders in the hotline contract, each carrying one real citizen message.
class WorkOrders {
 public:
  explicit WorkOrders(const std::string& path) {
    std::ifstream in(path);
    if (!in) Die("cannot read " + path + " (pass --messages)");
    for (std::string line; std::getline(in, line);) messages_.push_back(Json::parse(line));
  }
  std::string Make(const std::string& id, int n) const {
    const Json& message = messages_[n % messages_.size()];
    Json order = {{"work_order_id", id},           {"received_at", "2025-03-01T09:30:00+08:00"},
                  {"title", message["title"]},     {"content", message["text"]},
                  {"caller_phone", "13812348000"}, {"address", "A市A3区联丰路"}};
    return order.dump();
  }

 private:
  std::vector<Json> messages_;
};

class Server {
 public:
  Server(const std::string& binary, const std::string& data_dir) : data_dir_(data_dir) {
    std::vector<std::string> args = {binary,   "serve",         "--data-dir",
                                     data_dir, "--grpc-listen", "127.0.0.1:0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
      Die("cannot start " + binary);
    }
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      std::ifstream in(data_dir + "/endpoints.json");
      Json endpoints = Json::parse(in, nullptr, false);
      if (!endpoints.is_discarded() && endpoints.contains("grpc")) {
        kafka_ = endpoints["kafka_bootstrap"];
        grpc_ = endpoints["grpc"];
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Die("server did not publish endpoints.json");
  }
  void Stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Die("server did not stop cleanly");
  }
  const std::string& kafka() const { return kafka_; }
  const std::string& grpc() const { return grpc_; }

 private:
  std::string data_dir_;
  pid_t pid_ = 0;
  std::string kafka_, grpc_;
};

class Cases {
 public:
  explicit Cases(const std::string& address)
      : stub_(minsheng::v1::CaseService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))) {}
  bool Exists(const std::string& work_order_id) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    minsheng::v1::FindCaseBySourceRequest request;
    request.set_channel(minsheng::v1::CHANNEL_HOTLINE);
    request.set_source_id(work_order_id);
    minsheng::v1::Case found;
    grpc::Status status = stub_->FindCaseBySource(&context, request, &found);
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) {
      Die("gRPC: " + status.error_message());
    }
    return status.ok();
  }
  void WaitFor(const std::string& work_order_id) {
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (!Exists(work_order_id)) {
      if (Clock::now() > deadline) Die("no case for " + work_order_id + " after 120 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

 private:
  std::unique_ptr<minsheng::v1::CaseService::Stub> stub_;
};

std::unique_ptr<RdKafka::Producer> MakeProducer(const std::string& bootstrap) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  conf->set("bootstrap.servers", bootstrap, error);
  conf->set("linger.ms", "5", error);
  conf->set("enable.idempotence", "true", error);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  if (!producer) Die(error);
  return producer;
}

void Produce(RdKafka::Producer& producer, const std::string& key, const std::string& value) {
  while (producer.produce(kIntakeTopic, RdKafka::Topic::PARTITION_UA,
                          RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()),
                          value.size(), key.data(), key.size(), 0,
                          nullptr) == RdKafka::ERR__QUEUE_FULL) {
    producer.poll(10);
  }
  producer.poll(0);
}

std::string OrderId(const char* phase, int n) { return std::string(phase) + std::to_string(n); }

// Phase 1. Returns work orders per second from first produce to last case queryable.
double MeasureThroughput(const Flags& flags, const WorkOrders& orders, const Server& server,
                         Cases& cases, size_t& bytes) {
  auto producer = MakeProducer(server.kafka());
  // Time from a processor that has joined its group, not from its start-up.
  Produce(*producer, "W0", orders.Make("W0", 0));
  producer->flush(10000);
  cases.WaitFor("W0");
  const auto start = Clock::now();
  for (int n = 0; n < flags.orders; ++n) {
    // Keep at most `window` work orders unprocessed, so the broker's retention never bites.
    if (n % 1000 == 0 && n >= flags.window) cases.WaitFor(OrderId("T", n - flags.window));
    const std::string id = OrderId("T", n), value = orders.Make(id, n);
    bytes += value.size();
    Produce(*producer, id, value);
  }
  producer->flush(60000);
  cases.WaitFor(OrderId("T", flags.orders - 1));
  // The last produced is not necessarily the last processed: check a spread of others too.
  for (int n = 0; n < flags.orders; n += 997) cases.WaitFor(OrderId("T", n));
  return flags.orders / Seconds(Clock::now() - start);
}

// Phase 2. Produces at a steady rate; samples 1 in 100 work orders and polls gRPC until each is
// queryable. Returns the sampled latencies in milliseconds.
std::vector<double> MeasureLatency(const Flags& flags, const WorkOrders& orders,
                                   const Server& server, Cases& cases, int& produced) {
  struct Sample {
    std::string id;
    Clock::time_point sent;
  };
  std::mutex mutex;
  std::deque<Sample> pending;
  std::vector<double> latencies;
  std::atomic<bool> producing(true);
  std::thread poller([&] {
    Cases poll_cases(server.grpc());
    for (;;) {
      std::vector<Sample> batch;
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (pending.empty() && !producing) return;
        batch.assign(pending.begin(), pending.end());
      }
      for (const Sample& sample : batch) {
        if (!poll_cases.Exists(sample.id)) continue;
        const double ms = Seconds(Clock::now() - sample.sent) * 1000;
        std::lock_guard<std::mutex> lock(mutex);
        latencies.push_back(ms);
        pending.erase(std::find_if(pending.begin(), pending.end(),
                                   [&](const Sample& s) { return s.id == sample.id; }));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  auto producer = MakeProducer(server.kafka());
  const int total = flags.rate * flags.latency_seconds;
  const auto start = Clock::now();
  for (int n = 0; n < total; ++n) {
    const auto due = start + std::chrono::nanoseconds(int64_t{1000000000} * n / flags.rate);
    std::this_thread::sleep_until(due);  // pacing the load, not synchronising
    const std::string id = OrderId("L", n);
    Produce(*producer, id, orders.Make(id, n));
    if (n % 100 == 0) {
      std::lock_guard<std::mutex> lock(mutex);
      pending.push_back({id, Clock::now()});
    }
  }
  producer->flush(60000);
  producing = false;
  poller.join();
  produced = total;
  const double achieved = total / Seconds(Clock::now() - start);
  if (achieved < flags.rate * 0.95) {
    std::fprintf(stderr, "warning: producer reached only %.0f/s\n", achieved);
  }
  std::sort(latencies.begin(), latencies.end());
  return latencies;
}

// Ceiling 1: a plain librdkafka consumer reading what the broker still holds of the topic.
double MeasureRawConsume(const Server& server, int64_t& consumed) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string error;
  conf->set("bootstrap.servers", server.kafka(), error);
  conf->set("group.id", "bench-raw", error);
  conf->set("enable.auto.commit", "false", error);
  conf->set("auto.offset.reset", "earliest", error);
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(
      RdKafka::KafkaConsumer::create(conf.get(), error));
  std::vector<RdKafka::TopicPartition*> partitions;
  int64_t expected = 0;
  for (int p = 0; p < 16; ++p) {
    int64_t low = 0, high = 0;
    consumer->query_watermark_offsets(kIntakeTopic, p, &low, &high, 10000);
    expected += high - low;
    partitions.push_back(RdKafka::TopicPartition::create(kIntakeTopic, p, low));
  }
  consumer->assign(partitions);
  RdKafka::TopicPartition::destroy(partitions);
  const auto start = Clock::now();
  consumed = 0;
  while (consumed < expected && Clock::now() - start < std::chrono::seconds(120)) {
    std::unique_ptr<RdKafka::Message> message(consumer->consume(1000));
    if (message->err() == RdKafka::ERR_NO_ERROR) ++consumed;
  }
  const double rate = consumed / Seconds(Clock::now() - start);
  consumer->close();
  return rate;
}

// Ceiling 2: the same number of records of the same size into RocksDB, in batches of the size
// the processor commits (1000) with the same fsync per batch.
double MeasureRawRocksdb(const Flags& flags, const WorkOrders& orders, const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, &raw).ok()) Die("rocksdb open " + dir);
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  const auto start = Clock::now();
  rocksdb::WriteBatch batch;
  for (int n = 0; n < flags.orders; ++n) {
    const std::string id = OrderId("R", n);
    batch.Put(id, orders.Make(id, n));
    if (batch.Count() == 1000 || n + 1 == flags.orders) {
      if (!db->Write(write_options, &batch).ok()) Die("rocksdb write");
      batch.Clear();
    }
  }
  return flags.orders / Seconds(Clock::now() - start);
}

Json Stats(const std::string& binary, const std::string& data_dir) {
  const std::string command = binary + " stats --data-dir " + data_dir;
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  if (pclose(pipe) != 0) Die("minsheng stats failed");
  return Json::parse(output);
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const WorkOrders orders(flags.messages);
  const std::string root =
      std::filesystem::temp_directory_path() / ("minsheng-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(root);

  Server server(flags.binary, root + "/serve");
  Cases cases(server.grpc());
  size_t bytes = 0;
  const double throughput = MeasureThroughput(flags, orders, server, cases, bytes);
  std::fprintf(stderr, "throughput phase done: %.0f work orders/s\n", throughput);
  int latency_orders = 0;
  const std::vector<double> latencies =
      MeasureLatency(flags, orders, server, cases, latency_orders);
  int64_t raw_consumed = 0;
  const double raw_consume = MeasureRawConsume(server, raw_consumed);
  server.Stop();

  const Json stats = Stats(flags.binary, root + "/serve");
  const int64_t expected = 1 + flags.orders + latency_orders;  // 1: the warm-up order
  const int64_t opened = stats["counters"].value("intake.cases_opened", 0);
  const int64_t merged = stats["counters"].value("intake.merged", 0);
  if (opened + merged != expected || stats["cases"] != opened) {
    Die("lost input: " + std::to_string(expected) + " work orders, " + std::to_string(opened) +
        " cases opened, " + std::to_string(merged) + " merged");
  }
  const double raw_rocksdb = MeasureRawRocksdb(flags, orders, root + "/raw-rocksdb");
  std::filesystem::remove_all(root);

  auto percentile = [&](double p) {
    return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * (latencies.size() - 1))];
  };
  std::printf("| measure | value | ratio to ceiling |\n|---|---|---|\n");
  std::printf("| work orders (throughput phase) | %d, mean %zu bytes |  |\n", flags.orders,
              bytes / flags.orders);
  std::printf(
      "| intake-to-case throughput | %.0f work orders/s | %.2f of raw consume, %.2f of "
      "raw RocksDB write |\n",
      throughput, throughput / raw_consume, throughput / raw_rocksdb);
  std::printf("| latency produce -> queryable at %d/s, p50 | %.1f ms | |\n", flags.rate,
              percentile(0.50));
  std::printf("| latency produce -> queryable at %d/s, p99 | %.1f ms | |\n", flags.rate,
              percentile(0.99));
  std::printf("| latency samples | %zu of %d work orders | |\n", latencies.size(), latency_orders);
  std::printf("| ceiling: raw librdkafka consume | %.0f msgs/s (%lld msgs) | |\n", raw_consume,
              static_cast<long long>(raw_consumed));
  std::printf("| ceiling: raw RocksDB write, batches of 1000, fsync | %.0f records/s | |\n",
              raw_rocksdb);
  std::printf("| every work order opened a case or joined one | %lld + %lld of %lld | |\n",
              static_cast<long long>(opened), static_cast<long long>(merged),
              static_cast<long long>(expected));
  return 0;
}
