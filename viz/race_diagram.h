// The race diagram kernel commit messages use: one column per CPU (thread), time going down, at
// most 80 columns, plain text fit for a mail.
//
//   CPU 0 (fault)                          CPU 1 (munmap)
//   vma_start_read()
//     down_read_trylock(vm_lock) taken
//                                          mmap_write_lock()
//                                            down_write(mmap_lock)
//   ...
//
// With more threads than fit, the columns are the thread that failed and the threads whose steps
// come closest before the failure. Each step is a line, indented under the name of the function
// that performed it (the model function, so the kernel's): the operation on its object and what
// it saw or did; the failing step is marked.
#ifndef MMCHECK_VIZ_RACE_DIAGRAM_H_
#define MMCHECK_VIZ_RACE_DIAGRAM_H_

#include <string>

#include "viz/text_report.h"

namespace mmcheck {

std::string RaceDiagram(const ReportHeader& header, const Violation& violation);

}  // namespace mmcheck

#endif  // MMCHECK_VIZ_RACE_DIAGRAM_H_
