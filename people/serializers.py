"""How the API shows delegates and companies, with their memberships, positions and dated events."""


from people.models import Affiliation, Company, CompanyEvent, Delegate, Membership
from tracker.api.fields import APIModelSerializer, FilteredListLinkField, LinkOrKeyField, ModelRulesMixin, self_link


class MembershipSerializer(APIModelSerializer):
    body = LinkOrKeyField("body", read_only=True)

    class Meta:
        model = Membership
        fields = ["body", "term", "role", "delegation", "started_on", "ended_on"]


class AffiliationOfDelegateSerializer(APIModelSerializer):
    company = LinkOrKeyField("company", read_only=True)

    class Meta:
        model = Affiliation
        fields = ["company", "position", "position_zh", "started_on", "ended_on"]


class AffiliationOfCompanySerializer(APIModelSerializer):
    delegate = LinkOrKeyField("delegate", read_only=True)

    class Meta:
        model = Affiliation
        fields = ["delegate", "position", "position_zh", "started_on", "ended_on"]


class CompanyEventSerializer(APIModelSerializer):
    source = LinkOrKeyField("source", read_only=True)

    class Meta:
        model = CompanyEvent
        fields = ["date", "date_approximate", "kind", "title", "description", "source"]


class DelegateSerializer(ModelRulesMixin, APIModelSerializer):
    url = self_link("delegate")
    memberships = MembershipSerializer(many=True, read_only=True)
    affiliations = AffiliationOfDelegateSerializer(many=True, read_only=True)
    proposals = FilteredListLinkField("proposal", "delegate")

    class Meta:
        model = Delegate
        fields = ["url", "id", "slug", "name_en", "name_zh", "name_pinyin", "other_names", "bio", "memberships",
                  "affiliations", "proposals", "updated_at"]


class CompanySerializer(ModelRulesMixin, APIModelSerializer):
    url = self_link("company")
    affiliations = AffiliationOfCompanySerializer(many=True, read_only=True)
    events = CompanyEventSerializer(many=True, read_only=True)
    proposals = FilteredListLinkField("proposal", "company")

    class Meta:
        model = Company
        fields = ["url", "id", "slug", "name_en", "name_zh", "sector", "website", "description", "affiliations",
                  "events", "proposals", "updated_at"]
