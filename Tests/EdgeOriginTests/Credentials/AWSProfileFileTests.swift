import Testing

@testable import EdgeOrigin

/// The INI dialect of `~/.aws/credentials` and `~/.aws/config`.
@Suite struct AWSProfileFileTests {
    @Test func credentialsFileSectionsAreProfileNames() {
        let file = AWSProfileFile(parsing: """
            # comment
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key=secret/with+chars=
            ; another comment
            [edge]
              AWS_Access_Key_Id = AKIDEDGE   # inline comment
            aws_secret_access_key = s2;not-a-comment
            """, kind: .credentials)
        #expect(file.profiles == [
            "default": ["aws_access_key_id": "AKIDDEFAULT", "aws_secret_access_key": "secret/with+chars="],
            "edge": ["aws_access_key_id": "AKIDEDGE", "aws_secret_access_key": "s2;not-a-comment"],
        ])
    }

    @Test func configFileNeedsTheProfilePrefixExceptForDefault() {
        let file = AWSProfileFile(parsing: """
            [default]
            region = eu-west-2
            [profile edge]
            aws_access_key_id = AKIDEDGE
            [bare]
            aws_access_key_id = IGNORED
            [sso-session corp]
            sso_region = eu-west-1
            [profile   spaced  ]
            region = us-east-1
            """, kind: .config)
        #expect(file.profiles == [
            "default": ["region": "eu-west-2"],
            "edge": ["aws_access_key_id": "AKIDEDGE"],
            "spaced": ["region": "us-east-1"],
        ])
    }

    @Test func subPropertiesAreSkippedAndRepeatedSectionsMerge() {
        let file = AWSProfileFile(parsing: "[default]\r\ns3 =\r\n  max_concurrent_requests = 10\r\n  addressing_style = path\r\n"
            + "region = eu-west-2\n[default]\nregion = eu-west-1\noutput = json\n", kind: .credentials)
        #expect(file.profiles == ["default": ["s3": "", "region": "eu-west-1", "output": "json"]])
    }
}
