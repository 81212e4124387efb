import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `seat-load echo-server`: returns every byte it reads, flushed once per read, on as many
/// event loops as the machine has cores. The ceiling `--target echo` measures against.
struct EchoServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo-server", abstract: "Serve a raw TCP echo on loopback: the ceiling for --target echo.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 for any free one).") var port = 7499
    @Option(help: "Write the port listened on to this file.") var portFile: String?

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(EchoHandler()) }
            }
            .bind(host: host, port: port)
            .get()
        if let portFile, let bound = channel.localAddress?.port {
            try "\(bound)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
        }
        try await channel.closeFuture.get()
    }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}
