import Foundation
import XCTest

@testable import SwiftLR

/// PyTorch 2.15's committed scheduler runs (`python/tests/reference/schedulers/*.json`,
/// written by `python/tests/reference/generate.py`) replayed through the
/// Swift API: each case's optimizer, its scheduler built with `init(_ optimizer:...)`,
/// and `step(&optimizer)` after every batch. The lrs (and the momenta where
/// recorded) must equal PyTorch's bit for bit.
///
/// PyTorch's run saves and reloads the state at a checkpoint; a Swift value
/// needs no reload, so the Swift run simply goes on.
enum SchedulerReference {
  typealias JSON = [String: Any]

  /// The cases of one scheduler's file, NaN and infinities decoded.
  static func cases(_ name: String) throws -> [JSON] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../python/tests/reference/schedulers/\(name).json")
    // Every number quoted, to be read by `Double(_:)` (correctly rounded,
    // which JSONSerialization's numbers are not), with Python's NaN and
    // Infinity, which JSON has not.
    let raw = try String(contentsOf: url, encoding: .utf8)
    let number = try NSRegularExpression(pattern: #"(?<=[:\[,])(-?Infinity|NaN|-?[0-9][0-9.eE+-]*)(?=[,\]\}])"#)
    let text = number.stringByReplacingMatches(
      in: raw, range: NSRange(raw.startIndex..., in: raw), withTemplate: "\"$1\"")
    let file = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! JSON
    return file["entries"] as! [JSON]
  }

  /// A quoted JSON number as a Double (Python's `NaN`, `Infinity` too).
  static func double(_ value: Any) -> Double {
    let s = value as! String
    return Double(s.replacingOccurrences(of: "Infinity", with: "inf"))!
  }

  /// A quoted JSON integer.
  static func int(_ value: Any) -> Int { Int(value as! String)! }

  /// One number, or a list: always a list.
  static func doubles(_ value: Any) -> [Double] {
    (value as? [Any])?.map(double) ?? [double(value)]
  }

  /// Plays every case of `name`; returns how many ran.
  @discardableResult
  static func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Int {
    var played = 0
    for entry in try cases(name) {
      let c = entry["case"] as! JSON
      if c["epochs"] != nil && name != "OneCycleLR" { continue }  // the deprecated step(epoch) path
      let expected = (entry["lrs"] as! [[Any]]).map { $0.map(double) }
      let momenta = (entry["momenta"] as? [[Any]])?.map { $0.map(double) }
      var sgd = try SGD(
        groups: doubles(c["lrs"]!).map {
          .init(params: [Parameter<Double>([0])], options: SGDOptions(lr: $0, momentum: double(c["momentum"]!)))
        })
      var scheduler = try make(c, &sgd)
      let metrics = (c["metrics"] as? [Any])?.map(double)
      func compare(_ k: Int) {
        let label = "\(name) case \(played) step \(k): \(c["kwargs"]!)"
        XCTAssertEqual(
          sgd.learningRates.map(\.bitPattern), expected[k].map(\.bitPattern), label, file: file, line: line)
        if let momenta {
          XCTAssertEqual(sgd.momenta.map(\.bitPattern), momenta[k].map(\.bitPattern), label, file: file, line: line)
        }
      }
      compare(0)
      for k in 0..<int(c["steps"]!) {
        if let metrics, var plateau = scheduler as? ReduceLROnPlateau {
          try plateau.step(&sgd, metric: metrics[k])
          scheduler = plateau
        } else {
          try scheduler.step(&sgd)
        }
        compare(k + 1)
      }
      played += 1
    }
    return played
  }

  /// The case's scheduler built on `sgd` through the Swift API.
  static func make(_ c: JSON, _ sgd: inout SGD<Double>) throws -> any OptimizerScheduler {
    let k = c["kwargs"] as! JSON
    let integer = { (key: String) in k[key].map(int) }
    // An int-or-float argument as written: `2` an int, `2.5` and `2.0` floats.
    let count = { (key: String) in k[key].map { v in Int(v as! String).map(IntOrFloat.int) ?? .float(double(v)) } }
    let num = { (key: String, fallback: Double) in k[key].map(double) ?? fallback }
    switch c["scheduler"] as! String {
    case "StepLR": return try StepLR(&sgd, stepSize: count("step_size")!, gamma: num("gamma", 0.1))
    case "MultiStepLR":
      return try MultiStepLR(&sgd, milestones: (k["milestones"] as! [Any]).map(int), gamma: num("gamma", 0.1))
    case "ConstantLR":
      return try ConstantLR(&sgd, factor: num("factor", 1.0 / 3), totalIters: count("total_iters") ?? 5)
    case "LinearLR":
      return try LinearLR(
        &sgd, startFactor: num("start_factor", 1.0 / 3), endFactor: num("end_factor", 1),
        totalIters: count("total_iters") ?? 5)
    case "ExponentialLR": return try ExponentialLR(&sgd, gamma: num("gamma", 0))
    case "PolynomialLR": return try PolynomialLR(&sgd, totalIters: count("total_iters") ?? 5, power: num("power", 1))
    case "CosineAnnealingLR": return try CosineAnnealingLR(&sgd, tMax: count("T_max")!, etaMin: num("eta_min", 0))
    case "CosineAnnealingWarmRestarts":
      return try CosineAnnealingWarmRestarts(
        &sgd, t0: integer("T_0")!, tMult: integer("T_mult") ?? 1, etaMin: num("eta_min", 0))
    case "SWALR":
      return try SWALR(
        &sgd, swaLRs: doubles(k["swa_lr"]!), annealEpochs: integer("anneal_epochs") ?? 10,
        annealStrategy: AnnealStrategy(rawValue: k["anneal_strategy"] as? String ?? "cos")!)
    case "LambdaLR": return try LambdaLR(&sgd, lrLambdas: functions(k["lr_lambda"]!).map { f in { f(Double($0)) } })
    case "MultiplicativeLR":
      return try MultiplicativeLR(&sgd, lrLambdas: functions(k["lr_lambda"]!).map { f in { f(Double($0)) } })
    case "ReduceLROnPlateau":
      return try ReduceLROnPlateau(
        &sgd, mode: .init(rawValue: k["mode"] as? String ?? "min")!, factor: num("factor", 0.1),
        patience: count("patience") ?? 10, threshold: num("threshold", 1e-4),
        thresholdMode: .init(rawValue: k["threshold_mode"] as? String ?? "rel")!, cooldown: count("cooldown") ?? 0,
        minLRs: (k["min_lr"] as? [Any])?.map(double), minLR: (k["min_lr"] as? String).map(double) ?? 0,
        eps: num("eps", 1e-8))
    case "OneCycleLR":
      return try OneCycleLR(
        &sgd, maxLRs: doubles(k["max_lr"]!), totalSteps: integer("total_steps"), epochs: integer("epochs"),
        stepsPerEpoch: integer("steps_per_epoch"), pctStart: num("pct_start", 0.3),
        annealStrategy: AnnealStrategy(rawValue: k["anneal_strategy"] as? String ?? "cos")!,
        cycleMomentum: k["cycle_momentum"] as? Bool ?? true, baseMomentums: k["base_momentum"].map(doubles) ?? [0.85],
        maxMomentums: k["max_momentum"].map(doubles) ?? [0.95], divFactor: num("div_factor", 25),
        finalDivFactor: num("final_div_factor", 1e4), threePhase: k["three_phase"] as? Bool ?? false)
    case "CyclicLR":
      return try CyclicLR(
        &sgd, baseLRs: doubles(k["base_lr"]!), maxLRs: doubles(k["max_lr"]!), stepSizeUp: num("step_size_up", 2000),
        stepSizeDown: k["step_size_down"].map(double), mode: .init(rawValue: k["mode"] as? String ?? "triangular")!,
        gamma: num("gamma", 1), scaleFunction: k["scale_fn"].map { functions($0)[0] },
        scaleMode: k["scale_mode"] as? String ?? "cycle", cycleMomentum: k["cycle_momentum"] as? Bool ?? true,
        baseMomentums: k["base_momentum"].map(doubles) ?? [0.8], maxMomentums: k["max_momentum"].map(doubles) ?? [0.9])
    case "SequentialLR":
      let subs = try (k["schedulers"] as! [JSON]).map { try make($0, &sgd) }
      return try SequentialLR(&sgd, schedulers: subs, milestones: (k["milestones"] as! [Any]).map(int))
    case "ChainedScheduler":
      return try ChainedScheduler((k["schedulers"] as! [JSON]).map { try make($0, &sgd) })
    case let other: throw SchedulerError.value("no Swift builder for \(other)")
    }
  }

  /// The case's Python functions (`{"lambda": ...}` or `{"callable": ..., "attrs": ...}`, or a list of them) in Swift.
  static func functions(_ value: Any) -> [(Double) -> Double] {
    if let list = value as? [Any] { return list.flatMap(functions) }
    let spec = value as! JSON
    let attrs = (spec["attrs"] as? JSON ?? [:]).mapValues(double)
    return [function(spec["lambda"] as? String ?? spec["callable"] as! String, attrs)]
  }

  /// Each expression the generator uses, as Python evaluates it.
  static func function(_ expression: String, _ a: [String: Double]) -> (Double) -> Double {
    switch expression {
    case "1 - rate * (epoch % period == 0)":
      return { 1 - a["rate"]! * ($0.truncatingRemainder(dividingBy: a["period"]!) == 0 ? 1 : 0) }
    case "base ** epoch": return { pow(a["base"]!, $0) }
    case "base": return { _ in a["base"]! }
    case "scale / (1 + decay * epoch)": return { a["scale"]! / (1 + a["decay"]! * $0) }
    case "(epoch + 1) / (epoch + 2)": return { ($0 + 1) / ($0 + 2) }
    case "0.1 if epoch < 20 else 1.0": return { $0 < 20 ? 0.1 : 1.0 }
    case "0.5 * (1 + math.cos(math.pi * epoch / 100))": return { 0.5 * (1 + cos(Double.pi * $0 / 100)) }
    case "0.5 * (1 + math.sin(epoch * math.pi / 2))": return { 0.5 * (1 + sin($0 * Double.pi / 2)) }
    case "0.95 ** epoch": return { pow(0.95, $0) }
    case "0.97 ** epoch": return { pow(0.97, $0) }
    case "0.99 ** epoch": return { pow(0.99, $0) }
    case "0.95": return { _ in 0.95 }
    case "0.98": return { _ in 0.98 }
    case "0.99 if epoch % 10 else 0.5": return { $0.truncatingRemainder(dividingBy: 10) != 0 ? 0.99 : 0.5 }
    case "0.99 if epoch % 5 else 0.8": return { $0.truncatingRemainder(dividingBy: 5) != 0 ? 0.99 : 0.8 }
    case "1 / (2.0 ** (epoch - 1))": return { 1 / pow(2.0, $0 - 1) }
    case "1.0 - 0.001 * (epoch % 3)": return { 1.0 - 0.001 * $0.truncatingRemainder(dividingBy: 3) }
    case "1.0 / (epoch + 1)": return { 1.0 / ($0 + 1) }
    case "1.01 if epoch < 50 else 0.97": return { $0 < 50 ? 1.01 : 0.97 }
    case "epoch // 30": return { ($0 / 30).rounded(.down) }
    case "max(0.0, 1 - epoch / 200) ** 0.9": return { pow(max(0.0, 1 - $0 / 200), 0.9) }
    case "min(1.0, (epoch + 1) / 10)": return { min(1.0, ($0 + 1) / 10) }
    default:
      XCTFail("no Swift function for \(expression)")
      return { _ in .nan }
    }
  }
}
