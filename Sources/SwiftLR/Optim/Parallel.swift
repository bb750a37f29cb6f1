import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The threads the kernels may use: the online cores, or fewer if the
/// environment variable SWIFTLR_NUM_THREADS says so (as OMP_NUM_THREADS does
/// for PyTorch). Read once: glibc's sysconf reads a file in /sys on every
/// call, microseconds a step.
@usableFromInline
let onlineCores: Int = {
  let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  guard let text = getenv("SWIFTLR_NUM_THREADS"), let wanted = Int(String(cString: text)), wanted > 0 else {
    return cores
  }
  return min(wanted, cores)
}()

/// The most threads a step uses: past a few dozen cores the memory bus, not
/// the arithmetic, bounds the kernels; and the pool keeps one cursor each.
@usableFromInline let maxThreads = 64

/// How many threads `parallelRanges` uses for `total` elements.
@usableFromInline
func parallelThreads(total: Int, minimumPerThread: Int) -> Int {
  min(onlineCores, max(1, total / max(1, minimumPerThread)), maxThreads)
}

/// Chunks per thread: enough that the caller can take over the share of a
/// worker the OS is slow to run, few enough that taking one costs nothing.
let chunksPerThread = 4

/// Chunk boundaries fall on multiples of this many elements (64 bytes of
/// float32): no cache line is written by two threads, and a chunk's vector
/// loop has no tail except at the end of the array.
let chunkGranule = 16

/// Runs `body` over `0..<total` split into contiguous ranges, on the calling
/// thread and up to `onlineCores - 1` workers. Below `minimumPerThread`
/// elements per thread a thread is not worth waking and the work stays on the
/// caller.
///
/// Thread `t` of `n` owns the `t`-th of `n` equal slices, cut into a few
/// chunks, the same slice at every call: the slice a core updated last step
/// is still in its cache. A thread that has run its own chunks takes the
/// others' that are left, so a worker the OS is slow to run (a busy machine)
/// costs nothing: the caller does its share. A call made while another
/// thread's call holds the pool runs on the caller. `body` must touch no
/// Python object (the GIL is released around it).
///
/// Workers that have gone to sleep (no call for `WorkerPool.spinNanoseconds`:
/// a training loop's forward and backward pass) are woken only for a share of
/// at least `minimumToWake` elements per thread, or when calls come back to
/// back: a sleeping worker starts tens of microseconds after it is woken (on
/// this project's virtual machines; an idle core's wake-up), longer than the
/// caller takes alone for a smaller share. When calls come at a steady pace,
/// the workers wake on their own shortly before the next is due
/// (`WorkerPool.waitForJob`), so that a training loop's steps find them awake.
@usableFromInline
func parallelRanges(total: Int, minimumPerThread: Int, minimumToWake: Int = 0, _ body: (Range<Int>) -> Void) {
  let threads = parallelThreads(total: total, minimumPerThread: minimumPerThread)
  guard threads > 1, let pool = WorkerPool.acquire(workers: threads - 1) else {
    body(0..<total)
    return
  }
  defer { pool.release() }
  let now = pool.noteCall()
  guard total / threads >= minimumToWake || pool.workersAwake || pool.calledRecently(at: now) else {
    body(0..<total)
    pool.primeForSteadyCalls()
    return
  }
  let chunks = threads * chunksPerThread
  // Boundary c of 0...chunks, on a granule. c * total cannot overflow: total < 2^62, c <= 256.
  func boundary(_ c: Int) -> Int {
    c == chunks ? total : (total / chunks * c + min(c, total % chunks)) / chunkGranule * chunkGranule
  }
  withoutActuallyEscaping(body) { body in
    pool.run(threads: threads, perThread: chunksPerThread) { c in
      let range = boundary(c)..<boundary(c + 1)
      if !range.isEmpty { body(range) }
    }
  }
}

/// Worker threads that take a job's chunks, one job at a time (`acquire` /
/// `release`). Between jobs a worker spins for a while, so a step that
/// follows soon after the last one (a loop of steps) finds it awake, then
/// sleeps on a condition variable; if calls come every few milliseconds, it
/// sleeps only until shortly before the next is due. torch's OpenMP workers
/// spin about 8 ms after every parallel call (a whole core in a training
/// loop); these spin about a quarter of a millisecond per call.
///
/// The job's closure is written only while no job is open and no worker is
/// active, and read by a worker only after it has counted itself active and
/// seen the job open; `run` closes the job and waits for `active` to reach 0
/// before it returns. All orderings are sequentially consistent.
@usableFromInline
final class WorkerPool {
  // `shared` is written under `lock`; the pool's own state under `busy`
  // (the caller) or through atomics: no dynamic exclusivity checks on them.
  @exclusivity(unchecked) private static var shared: WorkerPool?
  /// Made before any pool, with the fork handlers that keep it usable.
  private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
    let lock = makeMutex()
    pthread_atfork(WorkerPool.beforeFork, WorkerPool.afterForkInParent, WorkerPool.afterForkInChild)
    return lock
  }()

  /// How long a worker spins for the next job before it sleeps.
  static let spinNanoseconds = 50_000

  private let busy = makeMutex()
  private let sleepLock = makeMutex()
  private let wake = makeCondition()
  @exclusivity(unchecked) private var workers = 0
  /// When the last call that held the pool returned (monotonic nanoseconds).
  @exclusivity(unchecked) private var lastRelease = 0
  /// When the last call started, and the time between the starts of the
  /// last two (0 until known): the workers expect the next call that long
  /// after the last. A training loop's iterations take about the same time.
  private let lastCall = Atomic<Int>(0)
  private let callInterval = Atomic<Int>(0)

  /// Calls further apart than this are not anticipated: a worker would spin
  /// for a saving that is a small part of the time between them.
  static let longestAnticipated = 20_000_000
  /// How long before and after the expected call a worker spins, at least:
  /// a timer wakes a sleeping worker about 100 us late here. Past that, an
  /// eighth of the interval either way, for iterations that vary in length.
  static let anticipationMargin = 250_000

  private let generation = Atomic<Int>(0)
  private let sleepers = Atomic<Int>(0)
  /// Of `sleepers`, those asleep until a call wakes them (no anticipation).
  private let idleSleepers = Atomic<Int>(0)
  private let open = Atomic<Bool>(false)
  private let active = Atomic<Int>(0)
  private let finished = Atomic<Int>(0)
  private let threads = Atomic<Int>(0)
  private let perThread = Atomic<Int>(0)
  /// The next chunk of each thread's slice, one cache line each.
  private let cursors = Cursors(count: maxThreads)
  @exclusivity(unchecked) private var job: ((Int) -> Void)?

  /// The pool, with up to `workers` threads (fewer if they cannot be
  /// started: the caller then does more), or nil when another call holds it.
  static func acquire(workers: Int) -> WorkerPool? {
    pthread_mutex_lock(lock)
    if shared == nil { shared = WorkerPool() }
    let pool = shared!
    pthread_mutex_unlock(lock)
    guard pthread_mutex_trylock(pool.busy) == 0 else { return nil }
    while pool.workers < workers && pool.startWorker(index: pool.workers + 1) {}
    return pool
  }

  // MARK: fork

  // A child of `fork()` has one thread: the pool's workers, and any caller
  // that held `busy` or `sleepLock`, stayed in the parent. `lock` is taken
  // across the fork (so `shared` is not half-written), and the child drops
  // the parent's pool: its first call starts a pool of its own. The old
  // pool is leaked on purpose (its mutexes may be held by threads that do
  // not exist here; the references its workers held were never dropped).

  private static let beforeFork: @convention(c) () -> Void = { pthread_mutex_lock(WorkerPool.lock) }
  private static let afterForkInParent: @convention(c) () -> Void = { pthread_mutex_unlock(WorkerPool.lock) }
  private static let afterForkInChild: @convention(c) () -> Void = {
    if let old = shared { _ = Unmanaged.passRetained(old) }
    shared = nil
    pthread_mutex_unlock(WorkerPool.lock)
  }

  /// Whether the pool's workers are all asleep until a call wakes them,
  /// anticipating none (tests wait for it).
  static var workersIdle: Bool {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    guard let pool = shared, pool.workers > 0 else { return false }
    return pool.idleSleepers.load(ordering: .sequentiallyConsistent) == pool.workers
  }

  func release() {
    lastRelease = monotonicNanoseconds()
    pthread_mutex_unlock(busy)
  }

  /// Records the start of a call (the caller holds the pool); returns the time.
  func noteCall() -> Int {
    let now = monotonicNanoseconds()
    let last = lastCall.load(ordering: .relaxed)
    if last > 0 { callInterval.store(now - last, ordering: .relaxed) }
    lastCall.store(now, ordering: .relaxed)
    return now
  }

  /// When calls come at a steady pace but the workers sleep (a call ran
  /// alone), wakes them with no job: they then anticipate the next call
  /// (`waitForJob`), which finds them awake. One wake-up per sleep, not per call.
  func primeForSteadyCalls() {
    let interval = callInterval.load(ordering: .relaxed)
    guard interval > 0, interval <= Self.longestAnticipated, sleepers.load(ordering: .sequentiallyConsistent) > 0
    else { return }
    generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
    pthread_mutex_lock(sleepLock)
    pthread_cond_broadcast(wake)
    pthread_mutex_unlock(sleepLock)
  }

  /// No worker is asleep: each is spinning for the next job (or starting).
  var workersAwake: Bool { sleepers.load(ordering: .sequentiallyConsistent) == 0 }

  /// The last call returned within a worker's spin: calls come back to back
  /// (a loop of steps), so a worker woken now will find the next one awake.
  func calledRecently(at now: Int) -> Bool { now - lastRelease < Self.spinNanoseconds }

  /// Runs `job(c)` once for each chunk `c` of `threads * perThread`; thread
  /// `t` (the caller is 0) owns chunks `t * perThread ..< (t + 1) * perThread`.
  /// Returns when all are done and no worker holds `job` any more.
  func run(threads: Int, perThread: Int, _ job: @escaping (Int) -> Void) {
    self.job = job
    for t in 0..<threads { cursors[t].store(t * perThread, ordering: .sequentiallyConsistent) }
    self.threads.store(threads, ordering: .sequentiallyConsistent)
    self.perThread.store(perThread, ordering: .sequentiallyConsistent)
    finished.store(0, ordering: .sequentiallyConsistent)
    open.store(true, ordering: .sequentiallyConsistent)
    generation.wrappingAdd(1, ordering: .sequentiallyConsistent)
    if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
      pthread_mutex_lock(sleepLock)
      pthread_cond_broadcast(wake)
      pthread_mutex_unlock(sleepLock)
    }
    takeChunks(job, thread: 0)
    let chunks = threads * perThread
    waitUntil { finished.load(ordering: .sequentiallyConsistent) >= chunks }
    open.store(false, ordering: .sequentiallyConsistent)
    waitUntil { active.load(ordering: .sequentiallyConsistent) == 0 }
    self.job = nil
  }

  /// Spins until `done()`, yielding the core after a few microseconds: a
  /// worker the OS has preempted in the middle of a chunk (more threads
  /// than cores) may be waiting for this very core.
  private func waitUntil(_ done: () -> Bool) {
    var spins = 0
    while !done() {
      spins &+= 1
      if spins > 4096 { sched_yield() }
    }
  }

  /// Runs thread `thread`'s chunks, then any other thread's left.
  private func takeChunks(_ job: (Int) -> Void, thread: Int) {
    let threads = self.threads.load(ordering: .sequentiallyConsistent)
    let perThread = self.perThread.load(ordering: .sequentiallyConsistent)
    for k in 0..<threads {
      let owner = (thread + k) % threads
      let end = (owner + 1) * perThread
      while true {
        let c = cursors[owner].wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue
        guard c < end else { break }
        job(c)
        finished.wrappingAdd(1, ordering: .sequentiallyConsistent)
      }
    }
  }

  private func startWorker(index: Int) -> Bool {
    // The worker waits for the job after the current one.
    let start = WorkerStart(pool: self, index: index, generation: generation.load(ordering: .sequentiallyConsistent))
    let context = Unmanaged.passRetained(start).toOpaque()
    var handle = pthread_t()
    let status = pthread_create(
      &handle, nil,
      { raw in
        let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
        start.pool.work(index: start.index, seen: start.generation)
        return nil
      }, context)
    guard status == 0 else {
      Unmanaged<WorkerStart>.fromOpaque(context).release()
      return false
    }
    pthread_detach(handle)
    workers += 1
    return true
  }

  /// Takes chunks of the open job, if there is one. The job's closure is
  /// released on return, before the worker leaves the job: `parallelRanges`
  /// passes it with `withoutActuallyEscaping`, which checks that nobody keeps it.
  @inline(never)
  private func help(index: Int) {
    guard open.load(ordering: .sequentiallyConsistent), let job = self.job else { return }
    if index < threads.load(ordering: .sequentiallyConsistent) { takeChunks(job, thread: index) }
  }

  private func work(index: Int, seen: Int) {
    var seen = seen
    while true {
      waitForJob(after: seen)
      seen = generation.load(ordering: .sequentiallyConsistent)
      active.wrappingAdd(1, ordering: .sequentiallyConsistent)
      help(index: index)
      active.wrappingSubtract(1, ordering: .sequentiallyConsistent)
    }
  }

  /// Returns once `generation` differs from `seen`. Spins at first, then
  /// sleeps; when calls come at a steady pace (a training loop), it wakes
  /// shortly before the next call is due and spins until a little after,
  /// so that the call finds it awake, once per call.
  private func waitForJob(after seen: Int) {
    if spin(until: monotonicNanoseconds() + Self.spinNanoseconds, seen: seen) { return }
    var anticipated = 0  // the call start whose successor this worker waited for
    while true {
      let last = lastCall.load(ordering: .relaxed)
      let interval = callInterval.load(ordering: .relaxed)
      let due = last + interval
      let margin = max(Self.anticipationMargin, interval / 8)
      guard last != anticipated, interval > 0, interval <= Self.longestAnticipated,
        due + margin > monotonicNanoseconds()
      else { break }
      anticipated = last
      if sleep(until: due - margin, seen: seen) { return }
      if spin(until: due + margin, seen: seen) { return }
    }
    _ = sleep(until: nil, seen: seen)
  }

  /// Spins until `generation` differs from `seen` (true) or `deadline` passes (false).
  private func spin(until deadline: Int, seen: Int) -> Bool {
    var spins = 0
    while generation.load(ordering: .relaxed) == seen {
      spins &+= 1
      if spins & 255 == 0 && monotonicNanoseconds() > deadline { return false }
    }
    return true
  }

  /// Sleeps until `generation` differs from `seen` (true) or, if given,
  /// `deadline` passes (false).
  private func sleep(until deadline: Int?, seen: Int) -> Bool {
    var wakeAt = timespec()
    if let deadline {
      wakeAt.tv_sec = deadline / 1_000_000_000
      wakeAt.tv_nsec = deadline % 1_000_000_000
    }
    pthread_mutex_lock(sleepLock)
    sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
    if deadline == nil { idleSleepers.wrappingAdd(1, ordering: .sequentiallyConsistent) }
    var timedOut = false
    while generation.load(ordering: .sequentiallyConsistent) == seen && !timedOut {
      if deadline == nil {
        pthread_cond_wait(wake, sleepLock)
      } else {
        timedOut = pthread_cond_timedwait(wake, sleepLock, &wakeAt) == ETIMEDOUT
      }
    }
    if deadline == nil { idleSleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent) }
    sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
    pthread_mutex_unlock(sleepLock)
    return generation.load(ordering: .sequentiallyConsistent) != seen
  }
}

/// One atomic counter per cache line.
private final class Cursors {
  private let base: UnsafeMutablePointer<Atomic<Int>>
  private static let stride = 8  // 64 bytes of Int

  init(count: Int) {
    base = .allocate(capacity: count * Self.stride)
    for k in 0..<count * Self.stride { (base + k).initialize(to: Atomic(0)) }
  }

  subscript(thread: Int) -> Atomic<Int> {
    unsafeAddress { UnsafePointer(base + thread * Self.stride) }
  }
}

private final class WorkerStart {
  let pool: WorkerPool
  let index: Int
  let generation: Int
  init(pool: WorkerPool, index: Int, generation: Int) {
    (self.pool, self.index, self.generation) = (pool, index, generation)
  }
}

private func monotonicNanoseconds() -> Int {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return t.tv_sec * 1_000_000_000 + t.tv_nsec
}

private func makeMutex() -> UnsafeMutablePointer<pthread_mutex_t> {
  let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  pthread_mutex_init(m, nil)
  return m
}

/// A condition variable whose timed waits read the monotonic clock, as
/// `monotonicNanoseconds` does.
private func makeCondition() -> UnsafeMutablePointer<pthread_cond_t> {
  let c = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  var attributes = pthread_condattr_t()
  pthread_condattr_init(&attributes)
  pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
  pthread_cond_init(c, &attributes)
  pthread_condattr_destroy(&attributes)
  return c
}
