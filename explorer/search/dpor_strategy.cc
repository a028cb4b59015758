// DporStrategy; see dpor_strategy.h.
#include "explorer/search/dpor_strategy.h"

#include <algorithm>
#include <utility>

#include "explorer/runtime/check.h"

namespace mmcheck {

DporStrategy::Event DporStrategy::Describe(const Execution& execution, const Step& step) const {
  Event e;
  e.thread = key_of_[static_cast<size_t>(step.thread)];
  if (step.op == OpKind::kSpawn) {
    e.spawns = key_of_[static_cast<size_t>(step.object)];
  } else if (step.op == OpKind::kJoin) {
    e.joins = key_of_[static_cast<size_t>(step.object)];
  } else if (step.object >= 0) {
    const Access a = AccessOf(step);
    e.reads = a.reads;
    e.writes = a.writes;
    e.counts = a.counts;
    e.reads_count = a.reads_count;
    e.observed = step.observed;
    if (step.ghost >= 0) {
      e.ghost = execution.object_key(step.ghost);
      e.ghost_changes = step.ghost_changes;
      e.ghost_reads = step.ghost_reads;
    }
    e.object = execution.object_key(step.object);
  }
  return e;
}

bool DporStrategy::Dependent(const Event& a, const Event& b) {
  if (a.thread == b.thread) return true;
  if (a.observed && b.observed) return true;
  if (a.ghost >= 0 && a.ghost == b.ghost &&
      ((a.ghost_changes && b.ghost_reads) || (a.ghost_reads && b.ghost_changes))) {
    return true;
  }
  if (a.spawns == b.thread || b.spawns == a.thread) return true;
  if (a.joins == b.thread || b.joins == a.thread) return true;
  return a.object >= 0 && a.object == b.object &&
         (a.writes || b.writes || (a.counts && b.reads_count) || (a.reads_count && b.counts));
}

bool DporStrategy::WeakInitial(const Event& pe, const std::vector<Event>& v) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i].thread != pe.thread) continue;
    for (size_t k = 0; k < i; ++k) {
      if (Dependent(v[k], v[i])) return false;
    }
    return true;
  }
  for (const Event& e : v) {
    if (Dependent(pe, e)) return false;
  }
  return true;
}

uint32_t DporStrategy::NewWakeupNode(const Event& event) {
  uint32_t index;
  if (!free_nodes_.empty()) {
    index = free_nodes_.back();
    free_nodes_.pop_back();
  } else {
    index = static_cast<uint32_t>(arena_.size());
    arena_.emplace_back();
  }
  arena_[index] = WakeupNode{event, Forest{}, kNil};
  return index;
}

void DporStrategy::Append(Forest& forest, uint32_t node) {
  arena_[node].next = kNil;
  if (forest.first == kNil) {
    forest.first = node;
  } else {
    arena_[forest.last].next = node;
  }
  forest.last = node;
}

void DporStrategy::FreeWakeupForest(Forest& forest) {
  for (uint32_t r = forest.first; r != kNil;) {
    const uint32_t next = arena_[r].next;
    FreeWakeupForest(arena_[r].children);
    free_nodes_.push_back(r);
    r = next;
  }
  forest = Forest{};
}

void DporStrategy::TakeLeftmost(Node& n, Forest& forest) {
  const uint32_t r = forest.first;
  forest.first = arena_[r].next;
  if (forest.first == kNil) forest.last = kNil;
  n.chosen = -1;  // NextThread resolves the key once the execution gets there
  n.event = arena_[r].event;
  FreeWakeupForest(pending_wakeup_);
  pending_wakeup_ = arena_[r].children;
  free_nodes_.push_back(r);
}

void DporStrategy::Insert(Node& node, std::vector<Event>& v) {
  // Walk down the leftmost path whose events are weak initials of what is left of v. The level
  // is named by its parent's index (kNil: the root), since new nodes may move the arena.
  uint32_t parent = kNil;
  while (true) {
    const Forest& level = parent == kNil ? node.wakeup : arena_[parent].children;
    uint32_t next = kNil;
    for (uint32_t child = level.first; child != kNil; child = arena_[child].next) {
      const Event& ce = arena_[child].event;
      if (!WeakInitial(ce, v)) continue;
      auto it =
          std::find_if(v.begin(), v.end(), [&](const Event& e) { return e.thread == ce.thread; });
      if (it != v.end()) v.erase(it);
      next = child;
      break;
    }
    if (next == kNil) break;
    // A leaf, or v used up: some execution below is already equivalent to one that reverses it.
    if (arena_[next].children.first == kNil || v.empty()) return;
    parent = next;
  }
  uint32_t head = kNil;
  for (size_t i = v.size(); i-- > 0;) {
    const uint32_t n = NewWakeupNode(v[i]);
    if (head != kNil) Append(arena_[n].children, head);
    head = n;
  }
  Append(parent == kNil ? node.wakeup : arena_[parent].children, head);
}

void DporStrategy::SeeThreads(const Execution& execution) {
  // Clocks are only as wide as the threads that exist (entries beyond are zero): a thread
  // spawned later has no earlier events. A thread that exists without a spawn step (the
  // scenario's own) is its own key; a spawned one gets its key when its spawn is processed.
  for (; threads_seen_ < execution.num_threads(); ++threads_seen_) {
    thread_clock_[threads_seen_].fill(0);
    woken_by_[threads_seen_] = -1;
    holds_[static_cast<size_t>(threads_seen_)].clear();
    key_of_[static_cast<size_t>(threads_seen_)] = threads_seen_;
    waiting_on_[static_cast<size_t>(threads_seen_)] = -1;
    woken_at_[static_cast<size_t>(threads_seen_)] = -1;
    spawn_count_[static_cast<size_t>(threads_seen_)] = 0;
  }
}

void DporStrategy::TrackObject(int x) {
  if (static_cast<size_t>(x) < last_write_.size()) return;
  last_write_.resize(static_cast<size_t>(x) + 1, -1);
  last_on_object_.resize(static_cast<size_t>(x) + 1, -1);
  value_after_.resize(static_cast<size_t>(x) + 1, std::nullopt);
  if (reads_since_.size() < last_write_.size()) reads_since_.resize(last_write_.size());
}

int DporStrategy::IndexOfKey(int32_t key) const {
  for (int t = 0; t < threads_seen_; ++t) {
    if (key_of_[static_cast<size_t>(t)] == key) return t;
  }
  return -1;
}

void DporStrategy::ResetExecution() {
  processed_ = 0;
  races_.clear();
  last_observed_ = -1;
  clocks_.clear();
  events_.clear();
  ghost_of_.clear();
  hold_of_.clear();
  hold_queued_.clear();
  hold_exclusive_.clear();
  grace_period_start_.clear();
  for (int t = 0; t < threads_seen_; ++t) {
    thread_clock_[t].fill(0);
    woken_by_[t] = -1;
    holds_[static_cast<size_t>(t)].clear();
  }
  threads_seen_ = 0;
  last_write_.clear();
  last_on_object_.clear();
  previous_on_object_.clear();
  value_after_.clear();
  for (auto& r : reads_since_) r.clear();
}

bool DporStrategy::NewExecution() {
  ResetExecution();
  if (!started_) {
    started_ = true;
    branch_depth_ = 0;
    return true;
  }
  FreeWakeupForest(pending_wakeup_);
  while (size_ > 0) {
    Node& n = stack_[size_ - 1];
    if (n.executed) n.sleep.push_back(n.event);
    n.executed = false;
    if (n.wakeup.first != kNil) {
      TakeLeftmost(n, n.wakeup);
      branch_depth_ = size_ - 1;
      return true;
    }
    --size_;  // the node object stays, with its buffers, for reuse
  }
  return false;
}

int DporStrategy::NextThread(const SchedulePoint& point) {
  const Execution& execution = *point.execution;
  while (processed_ < point.step) ProcessStep(execution, processed_++);
  SeeThreads(execution);
  const size_t depth = static_cast<size_t>(point.step);
  if (depth < size_) {
    Node& n = stack_[depth];
    // Replaying the prefix: a deterministic scenario offers the same choice again.
    MMCHECK_CHECK(n.enabled == point.enabled);
    if (depth == branch_depth_) {
      n.chosen = IndexOfKey(n.event.thread);
      if (n.chosen < 0 || !(point.enabled >> n.chosen & 1)) {
        FreeWakeupForest(pending_wakeup_);
        return kAbandonBlocked;
      }
    }
    return n.chosen;
  }
  MMCHECK_CHECK(depth == size_);
  if (size_ == stack_.size()) stack_.emplace_back();
  Node& n = stack_[size_];
  n.enabled = point.enabled;
  n.executed = false;
  n.sleep.clear();
  MMCHECK_CHECK(n.wakeup.first == kNil);
  if (depth > 0) {
    const Node& parent = stack_[depth - 1];
    for (const Event& s : parent.sleep) {
      if (!Dependent(s, parent.event)) n.sleep.push_back(s);
    }
  }
  if (pending_wakeup_.first != kNil) {
    n.wakeup = pending_wakeup_;
    pending_wakeup_ = Forest{};
    // A branch whose first step cannot run here (a wait that nothing will end) is dropped with
    // its subtree, and the next one is tried: dropping the siblings with it lost their traces
    // (the oracle found one behind a grace-period wait that a dead thread's RCU section blocks).
    while (true) {
      TakeLeftmost(n, n.wakeup);
      n.chosen = IndexOfKey(n.event.thread);
      if (n.chosen >= 0 && (point.enabled >> n.chosen & 1)) break;
      FreeWakeupForest(pending_wakeup_);
      if (n.wakeup.first == kNil) return kAbandonBlocked;
    }
  } else {
    uint64_t asleep = 0;
    for (const Event& s : n.sleep) {
      const int index = IndexOfKey(s.thread);
      if (index >= 0) asleep |= uint64_t{1} << index;
    }
    const uint64_t candidates = point.enabled & ~asleep;
    if (candidates == 0) return kAbandonRedundant;
    n.chosen = LowestThread(candidates);
  }
  ++size_;
  return n.chosen;
}

void DporStrategy::EndExecution(const Execution& execution, ExecutionOutcome outcome) {
  while (processed_ < execution.performed_steps()) ProcessStep(execution, processed_++);
  if (outcome != ExecutionOutcome::kComplete && outcome != ExecutionOutcome::kAbandoned) {
    RacePendingSteps(execution);
  }
  ReverseRaces(execution);
}

void DporStrategy::RacePendingSteps(const Execution& execution) {
  // The execution ended with threads that never got to their next step (a deadlock, or a
  // violation that stopped it). Their pending steps race as if each ran next: a lock that stayed
  // blocked must still be tried before the acquisition that blocked it.
  for (int t = 0; t < execution.num_threads(); ++t) {
    if (execution.thread_finished(t)) continue;
    const Step& pending = execution.pending_step(t);
    if (pending.object < 0 || pending.op == OpKind::kSpawn || pending.op == OpKind::kJoin) continue;
    const size_t x = static_cast<size_t>(pending.object);
    if (x >= last_write_.size()) continue;  // not touched yet: nothing to race with
    Event ev = Describe(execution, pending);
    // The state it would run in: an rwsem's is read from the semaphore as the execution left
    // it (a down_write_trylock taken to succeed where a writer holds the lock raced with steps
    // it commutes with, and added a redundant execution: the oracle found it). Where the value
    // is unknown, assume the step succeeds: at worst an extra branch, never a lost one.
    std::optional<int64_t> old = value_after_[x];
    if (IsRwsemOp(pending.op)) old = execution.sync().RwBits(pending.object);
    const Access access = old ? AccessAt(pending, *old) : AccessOf(pending.op, /*ok=*/true);
    ev.reads = access.reads;
    ev.writes = access.writes;
    ev.counts = access.counts;
    ev.reads_count = access.reads_count;
    ev.observed = (access.writes || access.counts) && execution.observed(pending.object);
    Candidates(pending.object, access, candidates_);
    DetectRaces(execution, pending, ev, access, processed_, thread_clock_[t], candidates_);
    if (ev.observed) RaceObserved(execution, pending, ev, processed_, thread_clock_[t], candidates_);
  }
}

void DporStrategy::Candidates(int object, const Access& access,
                              std::vector<int>& candidates) const {
  // Immediate happens-before predecessors on the object: the last write, and for a write also
  // every read since it; for a change of an rwsem's reader count the write trylocks since the
  // last write, and for a write trylock the reader count's changes since it.
  candidates.clear();
  if (object < 0) return;
  const size_t x = static_cast<size_t>(object);
  if (last_write_[x] >= 0) candidates.push_back(last_write_[x]);
  if (access.writes) {
    candidates.insert(candidates.end(), reads_since_[x].begin(), reads_since_[x].end());
  } else if (access.counts || access.reads_count) {
    for (int k : reads_since_[x]) {
      if ((access.counts && ReadsCountOn(k, object)) || (access.reads_count && CountsOn(k, object))) {
        candidates.push_back(k);
      }
    }
  }
}

bool DporStrategy::CountsOn(int k, int object) const {
  const Event& e = events_[static_cast<size_t>(k)];
  return ghost_of_[static_cast<size_t>(k)] == object ? e.ghost_changes : e.counts;
}

bool DporStrategy::ReadsCountOn(int k, int object) const {
  const Event& e = events_[static_cast<size_t>(k)];
  return ghost_of_[static_cast<size_t>(k)] == object ? e.ghost_reads : e.reads_count;
}

void DporStrategy::DetectRaces(const Execution& execution, const Step& step, const Event& ev,
                               const Access& access, int index, const Clock& previous,
                               const std::vector<int>& candidates) {
  const int p = step.thread;
  const std::vector<Step>& steps = execution.trace().steps;
  // A blocked acquisition could not run while another thread held the object: it races with
  // the acquisition that began that hold (or, for a reader kept out by a queued writer, with the
  // queueing), not with the release or any step inside the hold. A trylock can run there (it
  // fails), so it races with the step itself.
  // A down_read is kept out from `partner` on only if the rwsem was open to it just before:
  // write holds and queued writers overlap (a writer queues while another holds it), and the
  // blocked down_read can move no later than the start of the whole closed stretch. Reversed at
  // a step inside it, it would not be enabled there, and the wakeup-tree leaf it left would pass
  // for an explored branch to later insertions it is a weak initial of (the oracle found a
  // down_read_trylock's failure inside a write hold lost this way). Step::old holds the state
  // before each rwsem step (ops.h), so the stretch's start is found by walking back.
  // Not for a blocked down_write: its reversal brings the writer's queueing step along, which
  // can run inside the stretch and makes traces of its own (walking back lost them, the oracle
  // showed: seed 1009690).
  auto stretch_start = [&](int partner) {
    if (partner < 0 || step.op != OpKind::kDownRead) return partner;
    // Only a step that closed the rwsem (an acquisition, a writer queueing) starts a stretch; a
    // failed trylock closed nothing, and races with the blocked step like a read with a write.
    const Step& closer = steps[static_cast<size_t>(partner)];
    if (!AccessOf(closer).acquires && closer.op != OpKind::kDownWriteStart) return partner;
    const int64_t closed = kRwWriterHeld | kRwWriterQueued;
    // A stretch that starts with the blocked thread's own step (its own write hold: a
    // down_read under it waits forever) gives no race: the caller skips a partner of its own
    // thread. Stopping the walk there instead raced with a step inside the stretch, where the
    // down_read could not run either, and its leaf hid a trylock's failure (seed 1069066).
    while ((steps[static_cast<size_t>(partner)].old & closed) != 0) {
      const int before = previous_on_object_[static_cast<size_t>(partner)];
      if (before < 0) break;
      partner = before;
    }
    return partner;
  };
  auto blocked_partner_of = [&](int k) {
    // A wake_up (a release that ends no hold) let the blocked step go: it could not run before
    // it, so there is no race to reverse. A schedule() was let go by the first wake_up after its
    // prepare_to_wait only: it races with the later ones like any read with a write. A release
    // of a lock the thread did not hold (an up_read after the read lock was dropped: the
    // lock-misuse the thread dies of) let nothing go, and races like any write: taking it for a
    // wake_up lost the traces that run the blocked step first (the sweep found a use-after-free
    // of swap/device-private-vs-munmap@v6.4-arch that way).
    if (hold_of_[static_cast<size_t>(k)] < 0) {
      if (step.op == OpKind::kSchedule) return k == woken_at_[static_cast<size_t>(p)] ? -1 : k;
      return steps[static_cast<size_t>(k)].op == OpKind::kWakeUp ? -1 : k;
    }
    // Readers keep out writers, not readers: a down_read waits only for a writer's hold.
    if (access.races_with_queue && !hold_exclusive_[static_cast<size_t>(k)]) return k;
    const int partner = access.races_with_queue ? hold_queued_[static_cast<size_t>(k)]
                                                : hold_of_[static_cast<size_t>(k)];
    // A grace period waits only for sections that began before it started: the end of a later
    // one never held it back, and the two race like any pair.
    if (step.op == OpKind::kGracePeriodWait &&
        partner > grace_period_start_[static_cast<size_t>(step.arg)]) {
      return k;
    }
    // An IPI waits only for IRQ-off sections: an RCU read-side section never held it back.
    if (step.op == OpKind::kGracePeriodWait &&
        steps[static_cast<size_t>(grace_period_start_[static_cast<size_t>(step.arg)])].op ==
            OpKind::kSendIpi &&
        steps[static_cast<size_t>(partner)].op == OpKind::kRcuLock) {
      return k;
    }
    return partner;
  };
  auto partner_of = [&](int k) {
    if (!access.blocks) return k;
    return stretch_start(blocked_partner_of(k));
  };
  for (size_t c = 0; c < candidates.size(); ++c) {
    const int k = candidates[c];
    if (steps[static_cast<size_t>(k)].thread == p) continue;
    const int partner = partner_of(k);
    if (partner < 0) continue;
    const int q = steps[static_cast<size_t>(partner)].thread;  // k's, or the stretch's start's
    if (q == p) continue;
    // Steps of one hold map to one partner: race with it once.
    bool seen = false;
    for (size_t d = 0; d < c && !seen; ++d) seen = partner_of(candidates[d]) == partner;
    if (seen) continue;
    if (woken_by_[p] == partner) continue;
    const uint32_t mark = clocks_[static_cast<size_t>(partner)][q];
    bool covered = previous[q] >= mark;
    // Another candidate after the partner puts a dependent step between the two, unless it is
    // a step of the same hold (a blocked acquisition races with the hold as a whole).
    for (int other : candidates) {
      if (other != k && partner_of(other) != partner &&
          clocks_[static_cast<size_t>(other)][q] >= mark) {
        covered = true;
      }
    }
    if (!covered) AddRace(execution, partner, index, step, ev);
  }
}

void DporStrategy::ProcessStep(const Execution& execution, int index) {
  const Step& step = execution.trace().steps[static_cast<size_t>(index)];
  const int p = step.thread;
  SeeThreads(execution);
  const int width = execution.num_threads();
  if (step.op == OpKind::kSpawn) {
    const int64_t id = int64_t{key_of_[static_cast<size_t>(p)]} << 32 |
                       spawn_count_[static_cast<size_t>(p)]++;
    auto it = std::find_if(spawned_keys_.begin(), spawned_keys_.end(),
                           [id](const auto& entry) { return entry.first == id; });
    if (it == spawned_keys_.end()) {
      spawned_keys_.emplace_back(id, kFirstSpawnedKey + static_cast<int32_t>(spawned_keys_.size()));
      it = spawned_keys_.end() - 1;
    }
    key_of_[static_cast<size_t>(step.object)] = it->second;
  }
  const Event ev = Describe(execution, step);
  if (static_cast<size_t>(index) < size_) {
    Node& n = stack_[static_cast<size_t>(index)];
    MMCHECK_CHECK(n.chosen == p);
    n.event = ev;
    n.executed = true;
  }
  events_.push_back(ev);
  ghost_of_.push_back(step.ghost);
  hold_of_.push_back(-1);
  hold_queued_.push_back(-1);
  hold_exclusive_.push_back(false);

  const Access access = AccessOf(step);
  const int x = (ev.object >= 0) ? step.object : -1;
  if (x >= 0) TrackObject(x);
  previous_on_object_.push_back(x >= 0 ? last_on_object_[static_cast<size_t>(x)] : -1);
  std::vector<int>& candidates = candidates_;
  Candidates(x, access, candidates);

  const Clock& previous = thread_clock_[p];
  Clock& clock = clocks_.emplace_back(previous);
  auto join = [&clock, width](const Clock& other) {
    for (int t = 0; t < width; ++t) clock[t] = std::max(clock[t], other[t]);
  };
  for (int k : candidates) join(clocks_[static_cast<size_t>(k)]);
  // Steps that change what an invariant observes are all dependent (the visibility proviso):
  // as if each wrote one more object, the observed state.
  const int observed_partner = ev.observed ? last_observed_ : -1;
  if (observed_partner >= 0) join(clocks_[static_cast<size_t>(observed_partner)]);
  if (step.op == OpKind::kJoin) join(thread_clock_[step.object]);
  clock[p] = previous[p] + 1;
  DetectRaces(execution, step, ev, access, index, previous, candidates);
  if (ev.observed) {
    RaceObserved(execution, step, ev, index, previous, candidates);
    last_observed_ = index;
  }
  if (step.ghost >= 0) {
    // The ghost counter is a second object of the step, accessed like an rwsem's reader count:
    // changes commute, a read is ordered against every change.
    const int g = step.ghost;
    TrackObject(g);
    Access ghost;
    ghost.reads = true;
    ghost.counts = step.ghost_changes;
    ghost.reads_count = step.ghost_reads;
    Candidates(g, ghost, ghost_candidates_);
    for (int k : ghost_candidates_) join(clocks_[static_cast<size_t>(k)]);
    DetectRaces(execution, step, ev, ghost, index, previous, ghost_candidates_);
    reads_since_[static_cast<size_t>(g)].push_back(index);
  }
  thread_clock_[p] = clocks_.back();
  if (step.op == OpKind::kSpawn) thread_clock_[step.object] = clocks_.back();
  woken_by_[p] = -1;
  for (uint64_t w = step.wakes; w != 0; w &= w - 1) woken_by_[LowestThread(w)] = index;

  if (x >= 0) {
    last_on_object_[static_cast<size_t>(x)] = index;
    if (access.writes) {
      last_write_[x] = index;
      reads_since_[x].clear();
    } else if (access.reads) {
      reads_since_[x].push_back(index);
    }
    // Match releases to acquisitions per thread (rwsem readers hold one lock together).
    std::vector<Hold>& holds = holds_[static_cast<size_t>(p)];
    if (step.op == OpKind::kDownWriteStart) queued_at_[p] = index;
    if (step.op == OpKind::kPrepareToWait) {
      waiting_on_[p] = x;
      woken_at_[p] = -1;
    } else if (step.op == OpKind::kFinishWait) {
      waiting_on_[p] = -1;
    } else if (step.op == OpKind::kWakeUp) {
      for (int t = 0; t < threads_seen_; ++t) {
        if (waiting_on_[t] == x && woken_at_[t] < 0) woken_at_[t] = index;
      }
    }
    if (step.op == OpKind::kSynchronizeRcu || step.op == OpKind::kCallRcu ||
        step.op == OpKind::kSendIpi) {
      if (grace_period_start_.size() <= static_cast<size_t>(step.arg)) {
        grace_period_start_.resize(static_cast<size_t>(step.arg) + 1, -1);
      }
      grace_period_start_[static_cast<size_t>(step.arg)] = index;
    }
    // The hold this step is part of: the one it releases, or the one it takes, or one the
    // thread held on the object while it did something else to it.
    // RCU and IRQ-off sections share the RCU object but may end in either order: an end
    // matches the last section of its own kind.
    const OpKind opens = step.op == OpKind::kRcuUnlock   ? OpKind::kRcuLock
                         : step.op == OpKind::kIrqEnable ? OpKind::kIrqDisable
                                                         : step.op;
    for (size_t h = holds.size(); h-- > 0;) {
      if (holds[h].object != x) continue;
      if (opens != step.op &&
          execution.trace().steps[static_cast<size_t>(holds[h].acquired)].op != opens) {
        continue;
      }
      hold_of_.back() = holds[h].acquired;
      hold_queued_.back() = holds[h].queued;
      hold_exclusive_.back() = holds[h].exclusive;
      // A downgrade_write keeps the hold (the read hold continues the write hold: no writer
      // could run between the write acquisition and the last up_read), shared from now on.
      if (step.op == OpKind::kDowngradeWrite) {
        holds[h].exclusive = false;
      } else if (access.releases) {
        holds.erase(holds.begin() + static_cast<long>(h));
      }
      break;
    }
    if (access.acquires && step.op != OpKind::kDowngradeWrite) {
      const int queued = step.op == OpKind::kDownWrite ? queued_at_[p] : index;
      const bool exclusive = step.op != OpKind::kDownRead && step.op != OpKind::kDownReadTry &&
                             step.op != OpKind::kRcuLock && step.op != OpKind::kIrqDisable;
      holds.push_back(Hold{x, index, queued, exclusive});
      hold_of_.back() = index;
      hold_queued_.back() = queued;
      hold_exclusive_.back() = exclusive;
    }
    value_after_[x] = ValueAfter(step);
  }
}

void DporStrategy::RaceObserved(const Execution& execution, const Step& step, const Event& ev,
                                int index, const Clock& previous,
                                const std::vector<int>& candidates) {
  const int k = last_observed_;
  if (k < 0) return;
  const int q = execution.trace().steps[static_cast<size_t>(k)].thread;
  if (q == step.thread) return;
  const uint32_t mark = clocks_[static_cast<size_t>(k)][q];
  bool covered = previous[q] >= mark;
  for (int other : candidates) {
    if (other != k && clocks_[static_cast<size_t>(other)][q] >= mark) covered = true;
  }
  if (!covered) AddRace(execution, k, index, step, ev);
}

void DporStrategy::AddRace(const Execution& execution, int earlier, int later, const Step& step,
                           const Event& event) {
  // The reversed step runs where `earlier` ran: on the same object, so it sees the value
  // `earlier` saw (no step of notdep(earlier) writes it). A compare_exchange or try_lock may
  // change footprint.
  Event moved = event;
  const Step& partner = execution.trace().steps[static_cast<size_t>(earlier)];
  Access at = AccessAt(step, partner.old);
  if (partner.object != step.object) {
    // An observed-state race (see ProcessStep): what the object held there is not known, so
    // the step may succeed or fail there.
    const Access fails = AccessOf(step.op, false);
    at = AccessOf(step.op, true);
    at.reads |= fails.reads;
    at.reads_count |= fails.reads_count;
  }
  moved.reads = at.reads;
  moved.writes = at.writes;
  moved.counts = at.counts;
  moved.reads_count = at.reads_count;
  // The code that follows the step keeps the ghost and observed accesses it had: marking a moved
  // step as touching every ghost would make the dependency relation differ between the wakeup
  // tree and the executions, which loses traces (the oracle showed it). Where that code acts
  // otherwise at the new position the sweep test (tests/scenarios/sweep_test.cc) is the check.
  races_.push_back(Race{earlier, later, moved});
}

void DporStrategy::ReverseRaces(const Execution& execution) {
  const int end = static_cast<int>(events_.size());
  for (const Race& race : races_) {
    // v = notdep(earlier, E).later, where notdep spans the whole execution E, not only the
    // steps up to `later` (JACM 2017, Algorithm 2, line 6). Cutting it at `later` loses traces:
    // a sleeping thread whose step comes after `later`, and after a step it depends on, is then
    // a weak initial of the short v and the reversal is wrongly skipped, while the insertion
    // that would have placed it is judged covered by a branch that can never reach the
    // combination (tests/explorer/soundness_test.cc has the program).
    const int q = execution.trace().steps[static_cast<size_t>(race.earlier)].thread;
    const uint32_t mark = clocks_[static_cast<size_t>(race.earlier)][q];
    std::vector<Event>& v = race_sequence_;
    v.clear();
    for (int k = race.earlier + 1; k < end; ++k) {
      if (k == race.later) continue;
      if (clocks_[static_cast<size_t>(k)][q] < mark) v.push_back(events_[static_cast<size_t>(k)]);
    }
    v.push_back(race.moved);
    Node& node = stack_[static_cast<size_t>(race.earlier)];
    bool asleep = false;
    for (const Event& s : node.sleep) {
      if (WeakInitial(s, v)) {
        asleep = true;
        break;
      }
    }
    if (!asleep) Insert(node, v);
  }
  races_.clear();
}

}  // namespace mmcheck
