#if canImport(Glibc)
import Glibc
#endif

/// The online cores, read once: glibc's sysconf reads a file in /sys on every
/// call, microseconds a step.
@usableFromInline
let onlineCores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

/// How many threads `parallelRanges` uses for `total` elements.
@usableFromInline
func parallelThreads(total: Int, minimumPerThread: Int) -> Int {
  min(onlineCores, max(1, total / max(1, minimumPerThread)), 64)
}

/// Runs `body` over `0..<total` split into contiguous ranges on all online
/// cores, the calling thread taking the first range. Below `minimumPerThread`
/// elements a thread is not worth waking and the work stays on the caller.
///
/// The other ranges run on a pool of threads started once and asleep between
/// calls (a step wakes them instead of creating threads). A call made while
/// another thread's call holds the pool runs on the caller alone.
/// `body` must touch no Python object (the GIL is released around it).
@usableFromInline
func parallelRanges(total: Int, minimumPerThread: Int, _ body: (Range<Int>) -> Void) {
  let threads = parallelThreads(total: total, minimumPerThread: minimumPerThread)
  func range(_ t: Int) -> Range<Int> {
    // t * total cannot overflow: total < 2^62 and t <= 64 on any real buffer.
    (total / threads) * t + min(t, total % threads)..<(total / threads) * (t + 1) + min(t + 1, total % threads)
  }
  guard threads > 1, let pool = WorkerPool.acquire(workers: threads - 1) else {
    body(0..<total)
    return
  }
  withoutActuallyEscaping(body) { body in
    pool.run(parts: threads) { t in body(range(t)) }
  }
  pool.release()
}

/// Worker threads that sleep on a condition variable until a call hands
/// them a job; one job at a time (`acquire` / `release`).
@usableFromInline
final class WorkerPool {
  private static var shared: WorkerPool?
  private static let lock = makeMutex()

  private let mutex = makeMutex()
  private let wake = makeCondition()
  private let finished = makeCondition()
  private let busy = makeMutex()
  private let owner = getpid()
  private var workers = 0
  private var generation = 0
  private var pending = 0
  private var job: ((Int) -> Void)?
  private var parts = 0

  /// The pool, with at least `workers` threads if they can be started (fewer
  /// is fine: the caller then runs the rest), or nil when another call holds it.
  static func acquire(workers: Int) -> WorkerPool? {
    pthread_mutex_lock(lock)
    // A forked child has the parent's pool object but none of its threads.
    if shared == nil || shared!.owner != getpid() { shared = WorkerPool() }
    let pool = shared!
    pthread_mutex_unlock(lock)
    guard pthread_mutex_trylock(pool.busy) == 0 else { return nil }
    while pool.workers < workers && pool.startWorker() {}
    return pool
  }

  func release() { pthread_mutex_unlock(busy) }

  /// Runs `job(t)` for `t` in `0..<parts`: part 0 on the caller, the others
  /// on the workers (or the caller, for parts beyond them); returns when all are done.
  func run(parts: Int, _ job: @escaping (Int) -> Void) {
    pthread_mutex_lock(mutex)
    self.job = job
    self.parts = parts
    pending = workers
    generation &+= 1
    pthread_cond_broadcast(wake)
    pthread_mutex_unlock(mutex)
    job(0)
    for t in (workers + 1)..<max(workers + 1, parts) { job(t) }
    pthread_mutex_lock(mutex)
    while pending > 0 { pthread_cond_wait(finished, mutex) }
    self.job = nil
    pthread_mutex_unlock(mutex)
  }

  private func startWorker() -> Bool {
    let index = workers + 1
    // The worker waits for the job after the current one (it may start
    // running only once that job is under way).
    pthread_mutex_lock(mutex)
    let start = WorkerStart(pool: self, index: index, generation: generation)
    pthread_mutex_unlock(mutex)
    let context = Unmanaged.passRetained(start).toOpaque()
    var handle = pthread_t()
    let status = pthread_create(&handle, nil, { raw in
      let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
      start.pool.work(index: start.index, seen: start.generation)
      return nil
    }, context)
    guard status == 0 else {
      Unmanaged<WorkerStart>.fromOpaque(context).release()
      return false
    }
    pthread_detach(handle)
    pthread_mutex_lock(mutex)
    workers = index
    pthread_mutex_unlock(mutex)
    return true
  }

  private func work(index: Int, seen: Int) {
    var seen = seen
    pthread_mutex_lock(mutex)
    while true {
      while generation == seen { pthread_cond_wait(wake, mutex) }
      seen = generation
      let job = self.job
      let mine = index < parts
      pthread_mutex_unlock(mutex)
      if mine, let job { job(index) }
      pthread_mutex_lock(mutex)
      pending -= 1
      if pending == 0 { pthread_cond_signal(finished) }
    }
  }
}

private final class WorkerStart {
  let pool: WorkerPool
  let index, generation: Int
  init(pool: WorkerPool, index: Int, generation: Int) {
    (self.pool, self.index, self.generation) = (pool, index, generation)
  }
}

private func makeMutex() -> UnsafeMutablePointer<pthread_mutex_t> {
  let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  pthread_mutex_init(m, nil)
  return m
}

private func makeCondition() -> UnsafeMutablePointer<pthread_cond_t> {
  let c = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  pthread_cond_init(c, nil)
  return c
}
