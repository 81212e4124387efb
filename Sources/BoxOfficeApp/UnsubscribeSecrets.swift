import BoxOfficeEdge
import Crypto
import Foundation
import Notifications

extension AccessTokenKeys {
    /// The unsubscribe links' secrets, one derived from each access-token key (HKDF under a label
    /// of their own, so a link's code is never a token's key): nothing more to configure, and
    /// every instance sharing the keys file verifies every other's links. Dropping a key in a
    /// rotation ends the links made with it.
    var unsubscribeLinks: UnsubscribeLinks {
        UnsubscribeLinks(secrets: keys.map { key in
            HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: key.privateKey.rawRepresentation),
                                   info: Data("boxoffice unsubscribe links v1".utf8), outputByteCount: 32)
        })
    }
}
