/// The templates and assets compiled into the binary by the EmbedWeb build plugin, keyed by their path
/// inside this module (`templates/home.mustache`, `assets/app.css`).
public enum WebFiles {
    public static var all: [String: String] { embeddedWebFiles }
}
