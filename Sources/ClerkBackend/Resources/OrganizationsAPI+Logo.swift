#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension OrganizationsAPI {
    /// Uploads a new logo for an organization (`PUT /organizations/{organization_id}/logo`, `UploadOrganizationLogo`).
    ///
    /// The image goes as `multipart/form-data` in the field `file`; `uploaderUserId` (field `uploader_user_id`)
    /// credits a user with the upload. The API refuses images that are too large with a 413 error.
    public func updateOrganizationLogo(
        _ organizationId: String, file: Data, filename: String = "logo", contentType: String = "application/octet-stream",
        uploaderUserId: String? = nil
    ) async throws -> OrganizationWithLogo {
        let body = LogoUpload.body(file: file, filename: filename, contentType: contentType, uploaderUserId: uploaderUserId)
        return try await client.send(APIRequest(.uploadOrganizationLogo, path: [organizationId], body: body))
    }
}

extension OAuthApplicationsAPI {
    /// Uploads a new logo for an OAuth application (`PUT /oauth_applications/{oauth_application_id}/logo`,
    /// `UploadOAuthApplicationLogo`).
    ///
    /// The image goes as `multipart/form-data` in the field `file`; `uploaderUserId` (field `uploader_user_id`)
    /// credits a user with the upload.
    public func uploadLogo(
        _ oauthApplicationId: String, file: Data, filename: String = "logo",
        contentType: String = "application/octet-stream", uploaderUserId: String? = nil
    ) async throws -> OAuthApplication {
        let body = LogoUpload.body(file: file, filename: filename, contentType: contentType, uploaderUserId: uploaderUserId)
        return try await client.send(APIRequest(.uploadOAuthApplicationLogo, path: [oauthApplicationId], body: body))
    }
}

enum LogoUpload {
    static func body(file: Data, filename: String, contentType: String, uploaderUserId: String?) -> APIRequest.Body {
        var form = MultipartFormData()
        if let uploaderUserId { form.addField(name: "uploader_user_id", value: uploaderUserId) }
        form.addFile(name: "file", filename: filename, contentType: contentType, content: file)
        return .multipart(form.finished(), boundary: form.boundary)
    }
}
