import Hummingbird

// The peer of boxoffice's HTTP benchmark: Hummingbird's minimal server, one route answering
// "Hello, world!", on the address given (default 127.0.0.1:8090). Built in the same run as
// boxoffice, so the ratio between them measures what boxoffice adds.
let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8090 : 8090
let router = Router()
router.get("/") { _, _ in "Hello, world!" }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
