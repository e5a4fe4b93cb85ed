"""The customer-file API (R2): customers and contacts (the change log is the site's).

Reads start from the selectors (``restrict(user, action)``), so a record outside the caller's
scope answers 404 exactly like a missing one; writes go through :mod:`kam.customers.services`,
so the API enforces the same rules, writes the same change log (source ``api``) and answers a
bad input with 400 and nothing changed. Permissions per action: ``customers.view`` to read,
``customers.add`` to create, ``customers.change`` to edit (contacts included),
``customers.archive`` to archive/restore — 403 without them, 401 without credentials.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from kam.core.etags import ETagMixin
from kam.org.api.permissions import KamActionPermission

from .. import duplicates, selectors, services
from .. import permissions as perms
from ..filters import ContactFilter, CustomerFilter
from ..models import AccountTeamMember, Contact, Customer
from . import serializers as s

_R400 = OpenApiResponse(description="Invalid input: field errors under the field names, others under non_field_errors.")
_R403 = OpenApiResponse(description="You lack the permission for this action.")
_R404 = OpenApiResponse(description="No such record within the data you may see.")


# --- customers --------------------------------------------------------------------------


@extend_schema(tags=["customers"])
@extend_schema_view(
    list=extend_schema(
        summary="List customers",
        description=(
            "The customers you may see (your own and your account teams' as a specialist, your unit's "
            "as a manager), active ones unless `status` says otherwise. `q` searches names (Chinese, "
            "English, pinyin and its initials), numbers, credit codes, contacts' names and phones."
        ),
    ),
    retrieve=extend_schema(
        summary="Get a customer's file",
        description="Every field of the customer file with contacts, yearly sales, account team, "
        "owner and team names, status and file completeness.",
        responses={200: s.CustomerDetailSerializer, 404: _R404},
    ),
    create=extend_schema(
        summary="Create a customer",
        description="Create a customer file, optionally with its contacts and yearly sales, in one "
        "transaction: any invalid part rejects the whole request. Owner and team default to you and "
        "your team; choosing another owner needs the reassign permission.",
        request=s.CustomerCreateSerializer,
        responses={201: s.CustomerDetailSerializer, 400: _R400, 403: _R403},
    ),
    update=extend_schema(
        summary="Replace a customer's fields",
        description="Edit the customer file. Contacts are edited through /contacts/. `yearly_sales`, "
        "when given, replaces the stored years. Changing owner or team needs the reassign permission.",
        request=s.CustomerUpdateSerializer,
        responses={200: s.CustomerDetailSerializer, 400: _R400, 403: _R403, 404: _R404},
    ),
    partial_update=extend_schema(
        summary="Change some of a customer's fields",
        description="Like PUT, but only the fields sent are changed.",
        request=s.CustomerUpdateSerializer,
        responses={200: s.CustomerDetailSerializer, 400: _R400, 403: _R403, 404: _R404},
    ),
)
class CustomerViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Customers (客户档案). There is no DELETE: customers are archived, never removed. Detail
    answers carry an ``ETag``; writes honour ``If-Match`` (412 when stale: kam.core.etags)."""

    permission_classes = [KamActionPermission]
    kam_permissions = {
        "list": perms.CUSTOMERS_VIEW,
        "retrieve": perms.CUSTOMERS_VIEW,
        "create": perms.CUSTOMERS_ADD,
        "update": perms.CUSTOMERS_CHANGE,
        "partial_update": perms.CUSTOMERS_CHANGE,
        "archive": perms.CUSTOMERS_ARCHIVE,
        "restore": perms.CUSTOMERS_ARCHIVE,
        "duplicates": perms.CUSTOMERS_VIEW,
    }
    # the permission whose scope an action looks records up in: outside it → 404
    scope_for_action = {
        "update": perms.CUSTOMERS_CHANGE,
        "partial_update": perms.CUSTOMERS_CHANGE,
        "archive": perms.CUSTOMERS_ARCHIVE,
        "restore": perms.CUSTOMERS_ARCHIVE,
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = CustomerFilter
    queryset = Customer.objects.none()  # for the schema; real rows come from get_queryset

    def get_serializer_class(self):
        return {
            "list": s.CustomerListSerializer,
            "create": s.CustomerCreateSerializer,
            "update": s.CustomerUpdateSerializer,
            "partial_update": s.CustomerUpdateSerializer,
            "archive": s.ArchiveSerializer,
        }.get(self.action, s.CustomerDetailSerializer)

    def get_queryset(self):
        qs = selectors.customer_list(
            user=self.request.user, permission=self.scope_for_action.get(self.action, perms.CUSTOMERS_VIEW)
        )
        if self.action == "list":
            return qs
        return self._with_file(qs)

    @staticmethod
    def _with_file(qs):
        return qs.defer(None).prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.filter(archived_at=None)),  # removed ones: /contacts/
            "yearly_sales",
            Prefetch("team_members", queryset=AccountTeamMember.objects.select_related("user").order_by("id")),
        )

    def filter_queryset(self, queryset):
        # The list's filters (active-only by default) must not hide an archived customer from
        # retrieve/restore.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _detail_response(self, customer: Customer, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self._with_file(selectors.customer_list(user=self.request.user)).get(pk=customer.pk)
        data = s.CustomerDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @staticmethod
    def _split(validated: dict) -> tuple[dict, dict]:
        data = dict(validated)
        extra = {
            "owner": data.pop("owner", None),
            "team": data.pop("team", None),
            "contacts": [dict(row) for row in data.pop("contacts", [])],
            "yearly_sales": data.pop("yearly_sales", None),
        }
        return data, extra

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data, extra = self._split(ser.validated_data)
        customer = services.customer_create(
            actor=request.user,
            data=data,
            contacts=extra["contacts"],
            yearly_sales=[dict(row) for row in extra["yearly_sales"] or ()],
            owner=extra["owner"],
            team=extra["team"],
        )
        return self._detail_response(customer, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        customer = self.get_object()
        ser = self.get_serializer(customer, data=request.data, partial=partial)
        ser.is_valid(raise_exception=True)
        data, extra = self._split(ser.validated_data)
        with transaction.atomic():
            customer = services.customer_update(
                actor=request.user, customer=customer, data=data, owner=extra["owner"], team=extra["team"]
            )
            if extra["yearly_sales"] is not None:
                services.yearly_sales_set(
                    actor=request.user, customer=customer, rows=[dict(row) for row in extra["yearly_sales"]]
                )
        return self._detail_response(customer)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @extend_schema(
        summary="Archive a customer",
        description="The customer leaves the active lists but keeps its file and history. Needs the "
        "archive permission.",
        request=s.ArchiveSerializer,
        responses={200: s.CustomerDetailSerializer, 400: _R400, 403: _R403, 404: _R404},
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        customer = self.get_object()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        customer = services.customer_archive(actor=request.user, customer=customer, reason=ser.validated_data["reason"])
        return self._detail_response(customer)

    @extend_schema(
        summary="Restore an archived customer",
        description="Bring an archived customer back to the active lists. Needs the archive permission.",
        request=None,
        responses={200: s.CustomerDetailSerializer, 400: _R400, 403: _R403, 404: _R404},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        customer = services.customer_restore(actor=request.user, customer=self.get_object())
        return self._detail_response(customer)

    @extend_schema(
        summary="Check for duplicates (查重)",
        description=(
            "Customers already on file with the same credit code, the same normalised name (full-width/"
            "half-width, spaces, brackets and company-form suffixes such as 有限公司 or Co., Ltd. do not "
            "count), the same phone (the customer's or one of its contacts') or a very similar name "
            "(bigram similarity of at least 0.7), archived ones included — strongest first, at most 20. "
            "A customer outside your scope is reported only as existing elsewhere, with the names of "
            "the managers to ask — never its name, number, owner or credit code. `exclude` leaves out "
            "the customer being edited. `blocked` says whether saving would be refused "
            '(`mode` "block", KAM_DUPLICATE_CHECK; an edit is refused only for a changed name or phone).'
        ),
        parameters=[s.DuplicateQuerySerializer],
        responses={200: s.DuplicateResultSerializer, 400: _R400, 403: _R403},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def duplicates(self, request):
        query = s.DuplicateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        matches = duplicates.find_customer_duplicates(
            actor=request.user,
            name=data["name"],
            credit_code=data["credit_code"],
            phone=data["phone"],
            exclude_pk=data.get("exclude"),
        )
        return _duplicates_response(matches)


# --- contacts ---------------------------------------------------------------------------


@extend_schema(tags=["contacts"])
@extend_schema_view(
    list=extend_schema(
        summary="List contacts",
        description="Contacts of the customers you may see; filter by `customer` id or search with `q` "
        "(name, customer name, phone digits).",
        parameters=[OpenApiParameter("customer", OpenApiTypes.INT, description="Customer id")],
    ),
    retrieve=extend_schema(
        summary="Get a contact",
        description="One contact of a customer you may see.",
        responses={200: s.ContactSerializer, 404: _R404},
    ),
    create=extend_schema(
        summary="Add a contact to a customer",
        description="`customer` must be a customer you may edit; any other id answers 400 "
        "“customer not found”. Archived customers cannot get new contacts.",
        request=s.ContactCreateSerializer,
        responses={201: s.ContactSerializer, 400: _R400, 403: _R403},
    ),
    update=extend_schema(
        summary="Replace a contact's fields",
        description="Edit a contact of a customer you may edit (not an archived one).",
        request=s.ContactUpdateSerializer,
        responses={200: s.ContactSerializer, 400: _R400, 403: _R403, 404: _R404},
    ),
    partial_update=extend_schema(
        summary="Change some of a contact's fields",
        description="Like PUT, but only the fields sent are changed.",
        request=s.ContactUpdateSerializer,
        responses={200: s.ContactSerializer, 400: _R400, 403: _R403, 404: _R404},
    ),
    destroy=extend_schema(
        summary="Remove a contact",
        description="Removes the contact from the customer's contacts: it is archived, not deleted (R2) — "
        "listed again with `?status=archived` or `all`, brought back with `POST …/restore/`. An optional "
        "`reason` (query parameter or JSON body) is kept with it. Deleting for good is an administrator's "
        "purge in the admin.",
        parameters=[OpenApiParameter("reason", OpenApiTypes.STR, description="Why (optional, ≤ 200 characters)")],
        responses={204: None, 400: _R400, 403: _R403, 404: _R404},
    ),
)
class ContactViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contacts (主要联系人) of customers; ``ETag``/``If-Match`` as for customers."""

    permission_classes = [KamActionPermission]
    kam_permissions = {
        "list": perms.CUSTOMERS_VIEW,
        "retrieve": perms.CUSTOMERS_VIEW,
        "create": perms.CUSTOMERS_CHANGE,
        "update": perms.CUSTOMERS_CHANGE,
        "partial_update": perms.CUSTOMERS_CHANGE,
        "destroy": perms.CUSTOMERS_CHANGE,
        "restore": perms.CUSTOMERS_CHANGE,
        "duplicates": perms.CUSTOMERS_VIEW,
    }
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContactFilter
    queryset = Contact.objects.none()

    def get_serializer_class(self):
        return {
            "create": s.ContactCreateSerializer,
            "update": s.ContactUpdateSerializer,
            "partial_update": s.ContactUpdateSerializer,
        }.get(self.action, s.ContactSerializer)

    def get_queryset(self):
        changing = self.action in ("update", "partial_update", "destroy", "restore")
        return selectors.contact_list(
            user=self.request.user, permission=perms.CUSTOMERS_CHANGE if changing else perms.CUSTOMERS_VIEW
        )

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def _response(self, contact, status_code=status.HTTP_200_OK) -> Response:
        fresh = selectors.contact_list(user=self.request.user).get(pk=contact.pk)
        return Response(s.ContactSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        customer = data.pop("customer")
        contact = services.contact_create(actor=request.user, customer=customer, data=data)
        return self._response(contact, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        contact = self.get_object()
        ser = self.get_serializer(contact, data=request.data, partial=kwargs.pop("partial", False))
        ser.is_valid(raise_exception=True)
        contact = services.contact_update(actor=request.user, contact=contact, data=dict(ser.validated_data))
        return self._response(contact)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        reason = request.query_params.get("reason", "")
        if not reason and isinstance(request.data, dict):
            reason = request.data.get("reason", "")
        if not isinstance(reason, str):
            raise ValidationError({"reason": [_("Enter a text.")]})
        services.contact_archive(actor=request.user, contact=self.get_object(), reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Restore a removed contact",
        description="Brings a removed (archived) contact back to the customer's contacts.",
        request=None,
        responses={200: s.ContactSerializer, 400: _R400, 403: _R403, 404: _R404},
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        contact = services.contact_restore(actor=request.user, contact=self.get_object())
        return self._response(contact)

    @extend_schema(
        summary="Check a contact's phone for duplicates (查重)",
        description=(
            "Contacts and customers already on file with this phone (normalised: spaces, dashes and "
            "+86 do not count), archived customers included — at most 20. `customer` is the contact's "
            "customer (its own contacts are marked `same_customer`), `exclude` the contact being edited. "
            "Outside your scope a match names only the managers to ask. Never refuses: `blocked` is false."
        ),
        parameters=[s.ContactDuplicateQuerySerializer],
        responses={200: s.DuplicateResultSerializer, 400: _R400, 403: _R403},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def duplicates(self, request):
        query = s.ContactDuplicateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        matches = duplicates.find_contact_duplicates(
            actor=request.user, phone=data["phone"], customer=data.get("customer"), exclude_pk=data.get("exclude")
        )
        return _duplicates_response(matches, blocking=False)


def _duplicates_response(matches: list[duplicates.Match], *, blocking: bool = True) -> Response:
    mode = duplicates.mode()
    blocked = blocking and mode == duplicates.BLOCK and any(m.blocking_fields for m in matches)
    result = {"mode": mode, "blocked": blocked, "matches": matches}
    return Response(s.DuplicateResultSerializer(result).data)
