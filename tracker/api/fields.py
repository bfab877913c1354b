"""Relation fields that show an absolute URL (and accept that URL or the bare slug or id), and model-rule checks."""

from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .links import RESOURCES, Links


@extend_schema_field({"type": "string", "format": "uri", "description": "URL (a slug or id is accepted on input)."})
class LinkOrKeyField(serializers.HyperlinkedRelatedField):
    def __init__(self, resource, **kwargs):
        kwargs.setdefault("view_name", f"api:{resource}-detail")
        kwargs.setdefault("lookup_field", RESOURCES[resource][1])
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) or (isinstance(data, str) and "/" not in data):
            try:
                return self.get_queryset().get(**{self.lookup_field: data})
            except ObjectDoesNotExist:
                self.fail("does_not_exist")
            except (TypeError, ValueError):
                self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.URI)
class FilteredListLinkField(serializers.SerializerMethodField):
    """Another resource's list filtered on this object: e.g. a theme's `proposals` is every proposal on it."""

    def __init__(self, resource, parameter, **kwargs):
        self.resource, self.parameter = resource, parameter
        super().__init__(help_text=f"The {RESOURCES[resource][0]} list filtered with `{parameter}`.", **kwargs)

    def to_representation(self, instance):
        return Links(self.context.get("request")).filtered_list(self.resource, self.parameter, instance.slug)


def self_link(resource):
    return serializers.HyperlinkedIdentityField(
        view_name=f"api:{resource}-detail", lookup_field=RESOURCES[resource][1]
    )


class ModelRulesMixin:
    """Run the model's own `clean()` and database constraints, so a refused write is a 400, never a 500."""

    def validate(self, attrs):
        from django.core.exceptions import ValidationError as DjangoValidationError

        attrs = super().validate(attrs)
        model = self.Meta.model
        concrete = {field.name for field in model._meta.concrete_fields}
        candidate = model(**{f.attname: getattr(self.instance, f.attname) for f in model._meta.concrete_fields}) \
            if self.instance is not None else model()
        for name, value in attrs.items():
            if name in concrete:
                setattr(candidate, name, value)
        try:
            candidate.clean()
            candidate.validate_constraints()
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from None
        return attrs
