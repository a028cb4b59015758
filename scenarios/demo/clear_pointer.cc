// Result: pass; demo/clear-pointer@read-twice: violation:crash.
// Question: does a reader that checks a shared pointer for NULL and then uses it survive a
// writer that clears the pointer?
// Threads: "reader" loads ptr and, if it is not NULL, reads what it points to; "clearer" stores
// NULL to ptr. The reader loads ptr once (as READ_ONCE into a local would). In the twin it loads
// it again to use it, and the clearer's store between the check and the use makes the use a
// NULL dereference: the reader dies of SIGSEGV, a `crash` finding (the checker survives it).
#include "explorer/api.h"
#include "explorer/runtime/scenario.h"

namespace mmcheck {
namespace {

int page = 42;          // what ptr points to (outside the model: the crash is the finding)
volatile int used = 0;  // what the reader read, so the read is not optimised away

void ClearPointer(bool reads_once) {
  auto* ptr = Make<Atomic<int*>>(&page, "ptr");
  Spawn("reader", [ptr, reads_once] {
    if (reads_once) {
      int* p = ptr->load();
      if (p != nullptr) used = *p;
    } else if (ptr->load() != nullptr) {
      used = *ptr->load();
    }
  });
  Spawn("clearer", [ptr] { ptr->store(nullptr); });
}

MMCHECK_SCENARIO("demo/clear-pointer", Expect::Pass(),
                 {.question = "Does a reader that checks a pointer for NULL, then uses what it "
                              "loaded, survive a writer that clears it?"}) {
  ClearPointer(/*reads_once=*/true);
}

MMCHECK_SCENARIO("demo/clear-pointer@read-twice",
                 Expect::Violation(ViolationKind::kCrash, "null pointer dereference"),
                 {.question = "Is a pointer loaded again after its NULL check, and cleared in "
                              "between, found as the reader's crash?"}) {
  ClearPointer(/*reads_once=*/false);
}

}  // namespace
}  // namespace mmcheck
