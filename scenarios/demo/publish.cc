// Result: pass; demo/publish@no-wait: violation:data-race.
// Question: is plain data written before a flag is set safe to read once the flag is seen?
// Threads: "producer" writes data (plain) then stores flag = 1; "consumer" spins until it sees
// the flag, then reads data. The twin reads data without waiting for the flag: the write and the
// read are not ordered by happens-before.
#include "explorer/api.h"
#include "explorer/primitives/shared.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

void Publish(bool waits) {
  auto* data = Make<Shared<int>>(0, "data");
  auto* flag = Make<Atomic<int>>(0, "flag");
  Spawn("producer", [data, flag] {
    data->write(42);
    flag->store(1);
  });
  Spawn("consumer", [data, flag, waits] {
    if (waits) {
      while (flag->load() == 0) Yield();
    }
    data->read();
  });
}

MMCHECK_SCENARIO("demo/publish", Expect::Pass(),
                 {.question = "Is data published by a release store safe to read after it?"}) {
  Publish(/*waits=*/true);
}

MMCHECK_SCENARIO("demo/publish@no-wait",
                 Expect::Violation(ViolationKind::kDataRace, "data race on data"),
                 {.question = "Is reading published data without waiting for the flag a race?"}) {
  Publish(/*waits=*/false);
}

}  // namespace
}  // namespace mmcheck
