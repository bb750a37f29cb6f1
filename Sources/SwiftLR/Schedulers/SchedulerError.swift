/// An invalid hyperparameter, state value or step input.
///
/// The message uses PyTorch's wording where PyTorch has one; `exception` says which
/// Python exception the CPython module raises for it.
public struct SchedulerError: Error, Equatable, CustomStringConvertible {
  public enum Exception: Int32, Sendable {
    case value = 1  // ValueError
    case type = 2  // TypeError
    case overflow = 3  // OverflowError
    case key = 4  // KeyError
    case zeroDivision = 5  // ZeroDivisionError
    case runtime = 6  // RuntimeError
  }

  public var exception: Exception
  public var message: String

  public init(_ exception: Exception, _ message: String) {
    self.exception = exception
    self.message = message
  }

  public static func value(_ message: String) -> SchedulerError { .init(.value, message) }
  public static func type(_ message: String) -> SchedulerError { .init(.type, message) }
  public static func overflow(_ message: String) -> SchedulerError { .init(.overflow, message) }

  public var description: String { message }
}
