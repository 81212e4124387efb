import BoxOfficeEdge
import Foundation
import Hummingbird
import HummingbirdAuth

/// The campaign routes under `/api/v1/admin/campaigns`, for admins: write a campaign (a
/// draft), start it, follow its messages, cancel it.
public struct CampaignController: Sendable {
    public typealias Context = BoxOfficeRequestContext

    let service: CampaignService
    let identities: any CurrentIdentities

    public init(service: CampaignService, identities: any CurrentIdentities) {
        self.service = service
        self.identities = identities
    }

    public func addRoutes(to api: RouterGroup<Context>, idempotency: IdempotencyMiddleware) {
        api.group("admin/campaigns")
            .add(middleware: CurrentIdentityMiddleware(identities))
            .add(middleware: AuthorizationPolicyMiddleware(RolePolicy<Identity>(.admin), deniedError: Problem.forbidden, context: Context.self))
            .add(middleware: idempotency)
            .get(use: list)
            .post(use: create)
            .get("{campaignId}", use: progress)
            .post("{campaignId}/start", use: start)
            .post("{campaignId}/cancel", use: cancel)
    }

    struct CampaignList: ResponseEncodable {
        var campaigns: [Campaign]
    }

    public struct ProgressView: ResponseEncodable, Sendable {
        var campaign: Campaign
        var messages: [String: Int]

        init(_ progress: CampaignService.Progress) {
            campaign = progress.campaign
            messages = progress.messages
        }
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> CampaignList {
        CampaignList(campaigns: try await service.campaigns())
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> EditedResponse<ProgressView> {
        guard let identity = context.identity else { throw Problem.unauthenticated }
        let draft = try await request.decode(as: CampaignDraft.self, context: context)
        let campaign = try await service.create(draft, by: identity.subject)
        return EditedResponse(status: .created, response: ProgressView(.init(campaign: campaign, messages: [:])))
    }

    @Sendable func progress(_ request: Request, context: Context) async throws -> ProgressView {
        ProgressView(try await service.progress(id: try Self.campaignID(context)))
    }

    @Sendable func start(_ request: Request, context: Context) async throws -> ProgressView {
        ProgressView(try await service.start(id: try Self.campaignID(context)))
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> ProgressView {
        ProgressView(try await service.cancel(id: try Self.campaignID(context)))
    }

    static func campaignID(_ context: Context) throws -> String {
        let id = try context.parameters.require("campaignId")
        guard Identifiers.isGenerated(id) else { throw CampaignError.campaignNotFound }
        return id
    }
}

extension CampaignError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .invalidField(let field, let message): .validation(field: field, message)
        case .campaignNotFound: .notFound("No such campaign.")
        case .notDraft(let status):
            .conflict(code: "campaign_not_draft", title: "Only a draft campaign can be started", detail: "This campaign is \(status.rawValue).")
        }
    }
}
