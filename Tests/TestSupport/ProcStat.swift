import Foundation

/// The fields of a `/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat` line after the command name.
///
/// The command name (field 2) is in parentheses and may itself hold spaces and parentheses, so the fields are read
/// from after the line's last ')': the first returned is the state (field 3), then ppid, …, utime (field 14) at index
/// 11 and stime at 12. Nil when the file cannot be read (the process or thread is gone).
public func procStatFields(_ path: String) -> [Substring]? {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8), let close = text.lastIndex(of: ")") else { return nil }
    return text[text.index(after: close)...].split(separator: " ")
}
