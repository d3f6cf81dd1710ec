#ifndef MINSHENG_SERVER_INGEST_SERVICE_H_
#define MINSHENG_SERVER_INGEST_SERVICE_H_

#include "absl/time/time.h"
#include "kafka/record_writer.h"
#include "minsheng/v1/ingest_service.grpc.pb.h"
#include "processors/outcome_waiter.h"
#include "store/case_store.h"

namespace minsheng::server {

// minsheng.v1.IngestService: validates, writes to the intake topic, and waits for the processor
// to tell which case the record became.
class IngestServiceImpl final : public v1::IngestService::Service {
 public:
  IngestServiceImpl(const store::CaseStore& store, kafka::RecordWriter& writer,
                    processors::OutcomeWaiter& outcomes)
      : store_(store), writer_(writer), outcomes_(outcomes) {}

  grpc::Status SubmitWorkOrder(grpc::ServerContext* context,
                               const v1::SubmitWorkOrderRequest* request,
                               v1::SubmitWorkOrderResponse* response) override;
  grpc::Status GetIntakeOutcomes(grpc::ServerContext* context,
                                 const v1::GetIntakeOutcomesRequest* request,
                                 v1::GetIntakeOutcomesResponse* response) override;

 private:
  const store::CaseStore& store_;
  kafka::RecordWriter& writer_;
  processors::OutcomeWaiter& outcomes_;
};

}  // namespace minsheng::server

#endif  // MINSHENG_SERVER_INGEST_SERVICE_H_
