import Logging
import NIOCore
import SQLKit

/// A session that changes how statements run and passes everything else to the session it wraps.
protocol WrappingSession: SQLDatabase {
    var wrapped: any SQLDatabase { get }
}

extension WrappingSession {
    var logger: Logger { wrapped.logger }
    var eventLoop: any EventLoop { wrapped.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { wrapped.version }
    var dialect: any SQLDialect { wrapped.dialect }
    var queryLogLevel: Logger.Level? { wrapped.queryLogLevel }
}
