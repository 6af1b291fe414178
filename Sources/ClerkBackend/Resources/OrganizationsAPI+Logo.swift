#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension OrganizationsAPI {
    /// Uploads a new logo for an organization (`PUT /organizations/{organization_id}/logo`, `UploadOrganizationLogo`).
    ///
    /// The image goes as `multipart/form-data` in the field `file`; `uploaderUserID` (field `uploader_user_id`)
    /// credits a user with the upload. The API refuses images that are too large with a 413 error.
    public func updateOrganizationLogo(
        _ organizationID: String, file: Data, filename: String = "logo", contentType: String = "application/octet-stream",
        uploaderUserID: String? = nil
    ) async throws -> OrganizationWithLogo {
        let body = LogoUpload.body(file: file, filename: filename, contentType: contentType, uploaderUserID: uploaderUserID)
        return try await client.send(APIRequest(.uploadOrganizationLogo, path: [organizationID], body: body))
    }
}

extension OAuthApplicationsAPI {
    /// Uploads a new logo for an OAuth application (`PUT /oauth_applications/{oauth_application_id}/logo`,
    /// `UploadOAuthApplicationLogo`).
    ///
    /// The image goes as `multipart/form-data` in the field `file`; `uploaderUserID` (field `uploader_user_id`)
    /// credits a user with the upload.
    public func uploadLogo(
        _ oauthApplicationID: String, file: Data, filename: String = "logo",
        contentType: String = "application/octet-stream", uploaderUserID: String? = nil
    ) async throws -> OAuthApplication {
        let body = LogoUpload.body(file: file, filename: filename, contentType: contentType, uploaderUserID: uploaderUserID)
        return try await client.send(APIRequest(.uploadOAuthApplicationLogo, path: [oauthApplicationID], body: body))
    }
}

enum LogoUpload {
    static func body(file: Data, filename: String, contentType: String, uploaderUserID: String?) -> APIRequest.Body {
        var form = MultipartFormData()
        if let uploaderUserID { form.addField(name: "uploader_user_id", value: uploaderUserID) }
        form.addFile(name: "file", filename: filename, contentType: contentType, content: file)
        return .multipart(form.finished(), boundary: form.boundary)
    }
}
