/// The release version, shown by `personaworlds version` and used for the .deb.
public enum AppVersion {
    public static let current = "0.1.0"
}
