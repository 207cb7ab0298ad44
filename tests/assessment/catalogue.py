"""Requirements that use every built-in check, as a service plugin would write them."""

from onboard.core.models import Category, Requirement

SUPPORTED_DEVICES = {
    "iOS": "8.0",
    "Android": "4.0",
    "Windows": "8.1",
    "Windows Phone": "8.1",
    "macOS": "10.9",
}


def every_check() -> list[Requirement]:
    """One requirement per built-in check, with the catalogue's params."""

    def req(id_: str, check: str, category: Category, **params: object) -> Requirement:
        return Requirement(id_, "core", f"test {check}", category, check, dict(params))

    return [
        req("t.ffl", "ad.forest_functional_level", Category.ACTIVE_DIRECTORY, minimum="Windows2008Forest"),
        req("t.dfl", "ad.domain_functional_level", Category.ACTIVE_DIRECTORY, minimum="Windows2008Domain"),
        req("t.forests", "ad.forest_count", Category.ACTIVE_DIRECTORY, maximum=5),
        req("t.upn", "ad.upn_suffixes_routable", Category.IDENTITY),
        req("t.idfix", "directory.idfix", Category.IDENTITY, mode="multi-tenant"),
        req("t.zones", "dns.zones_present", Category.DNS),
        req(
            "t.cnames",
            "dns.records",
            Category.DNS,
            records=[
                {
                    "name": "enterpriseenrollment",
                    "type": "CNAME",
                    "target": "EnterpriseEnrollment-s.manage.microsoft.com",
                },
                {
                    "name": "enterpriseregistration",
                    "type": "CNAME",
                    "target": "EnterpriseRegistration.windows.net",
                },
            ],
        ),
        req(
            "t.devices",
            "devices.platforms",
            Category.CLIENT_OS,
            supported=SUPPORTED_DEVICES,
            forbid=["Windows Server"],
        ),
        req(
            "t.browsers",
            "environment.browsers",
            Category.BROWSERS,
            supported={
                "Internet Explorer": "10",
                "Microsoft Edge": "20",
                "Chrome": "40",
                "Firefox": "40",
                "Safari": "9",
            },
        ),
        req("t.exchange", "environment.exchange_onprem", Category.INFRASTRUCTURE, versions=["2010", "2013"]),
        req(
            "t.sharepoint",
            "environment.sharepoint_onprem",
            Category.INFRASTRUCTURE,
            versions=["2010", "2013"],
        ),
        req(
            "t.rms",
            "environment.rms_connector_servers",
            Category.INFRASTRUCTURE,
            min_count=2,
            os=["Windows Server 2012 R2", "Windows Server 2012", "Windows Server 2008 R2"],
            min_memory_gb=1,
            min_disk_gb=64,
        ),
        req(
            "t.proxy",
            "environment.proxy",
            Category.NETWORK,
            tls_inspection_allowed=False,
            authentication=["none", "iwa"],
        ),
        req("t.adfs", "environment.adfs", Category.IDENTITY, min_version="2.0"),
        req("t.tls", "environment.value", Category.NETWORK, path="tls.minimum_version", op=">=", value="1.2"),
        req("t.manual", "manual", Category.SERVICE, question="Is a test environment available?"),
        # The engagement's facts against the bundle: Contoso's (one forest, Exchange 2013).
        req(
            "t.forests-declared",
            "facts.forest_count",
            Category.ACTIVE_DIRECTORY,
            fact="forest_count",
            declared=1,
        ),
        req(
            "t.exchange-declared",
            "facts.on_premises",
            Category.INFRASTRUCTURE,
            fact="exchange_onprem",
            declared="2013",
            product="exchange",
        ),
    ]
