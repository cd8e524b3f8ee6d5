"""``/images``: a company's uploaded images, stored in the hub and served back to its users.

``POST /images`` takes JSON (the docs give no body): ``{"data": <base64>, "contentType"?,
"companyId"?, "name"?}``. The bytes must be a PNG, JPEG, GIF or WebP image, recognised by
their magic numbers whatever ``contentType`` claims, and at most ``MAX_IMAGE_BYTES`` long.
The body is read with a cap before it is parsed, so an oversized upload is refused (413)
without being held in memory whole. ``GET /images/{imageId}`` (our addition) answers the bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from typing import Annotated, Any, Literal, get_args

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from pydantic import Field, StringConstraints, ValidationError

from crossdock.api.deps import CurrentUser, HubDep, SessionDep
from crossdock.api.models import NonEmpty, StrictModel
from crossdock.api.routers.companies import visible_company
from crossdock.auth.roles import Principal
from crossdock.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from crossdock.hub import Hub
from crossdock.store.base import iso
from crossdock.store.dashboard import Image

router = APIRouter(prefix="/images", tags=["images"])

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# base64 grows data by 4/3; the rest of the JSON (owner, name, quoting) fits in 16 KiB
MAX_BODY_BYTES = (MAX_IMAGE_BYTES + 2) // 3 * 4 + 16 * 1024

ContentType = Literal["image/png", "image/jpeg", "image/gif", "image/webp"]


class CreateImageModel(StrictModel):
    data: str = Field(description="The image's bytes, base64-encoded (standard alphabet).")
    contentType: ContentType | None = Field(
        default=None, description="Checked against the type the bytes themselves show."
    )
    companyId: NonEmpty | None = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None


def sniff(data: bytes) -> ContentType | None:
    """The image type of ``data`` by its magic number, or None when it is none we accept."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def describe(request: Request, image: Image) -> dict[str, Any]:
    return {
        "imageId": image.image_id,
        "companyId": image.company_id,
        "agencyId": image.agency_id,
        "contentType": image.content_type,
        "size": image.size,
        "sha256": image.sha256,
        "name": image.name,
        "url": str(request.url_for("get_image", imageId=image.image_id)),
        "createdAt": iso(image.created_at),
    }


async def _read_capped(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(
            f"The body may be at most {MAX_BODY_BYTES} bytes.", field="CreateImageModel"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(
                f"The body may be at most {MAX_BODY_BYTES} bytes.", field="CreateImageModel"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(raw: bytes) -> CreateImageModel:
    """The body as the model, with errors named as every other endpoint names them."""
    model = "CreateImageModel"
    try:
        return CreateImageModel.model_validate_json(raw)
    except ValidationError as exc:
        errors: list[dict[str, str]] = []
        for err in exc.errors():
            path = [str(p) for p in err["loc"]]
            name = ".".join([model, *path])
            if err["type"] == "json_invalid":
                detail = "The body is not valid JSON."
            elif err["type"] == "model_type" and not path:
                detail = "The body must be a JSON object."
            elif err["type"] == "extra_forbidden":
                detail = "Unknown field."
            elif err["type"] == "missing":
                detail = "Field required."
            else:
                detail = str(err["msg"]).rstrip(".") + "."
            errors.append({"field": name, "detail": detail})
        raise ValidationFailed(
            errors[0]["detail"], field=errors[0]["field"], errors=errors
        ) from exc


def _decode(body: CreateImageModel) -> tuple[bytes, ContentType]:
    model = "CreateImageModel"
    try:
        data = base64.b64decode(body.data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed("Not valid base64.", field=f"{model}.data") from exc
    if not data:
        raise ValidationFailed("The image is empty.", field=f"{model}.data")
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(
            f"An image may be at most {MAX_IMAGE_BYTES} bytes.", field=f"{model}.data"
        )
    kind = sniff(data)
    if kind is None:
        raise ValidationFailed("Not a PNG, JPEG, GIF or WebP image.", field=f"{model}.data")
    if body.contentType is not None and body.contentType != kind:
        raise ValidationFailed(
            f"The data is {kind}, not {body.contentType}.", field=f"{model}.contentType"
        )
    return data, kind


def _store(
    hub: Hub, session: SessionDep, user: Principal, body: CreateImageModel, data: bytes, kind: str
) -> Image:
    model = "CreateImageModel"
    company_id = body.companyId
    if company_id is None:
        company_id = user.company_id
        if company_id is None:
            raise ValidationFailed("Field required.", field=f"{model}.companyId")
    elif company_id != user.company_id and not user.may_set("integration", "companyId"):
        # the same rule as an integration's companyId: admin, staff, agency and manager users
        raise Forbidden("Your role cannot set companyId.", field=f"{model}.companyId")
    company = visible_company(session, user, company_id)
    image = Image(
        image_id=str(uuid.uuid4()),
        agency_id=company.agency_id,
        company_id=company.company_id,
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        name=body.name,
        data=data,
        created_by=user.username,
        created_at=hub.clock(),
    )
    session.add(image)
    session.flush()
    return image


@router.post(
    "",
    status_code=201,
    summary="Add an image",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CreateImageModel.model_json_schema()}},
        }
    },
)
async def add_image(
    request: Request, session: SessionDep, hub: HubDep, user: CurrentUser
) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ValidationFailed("The body must be JSON (application/json).", field="content-type")
    body = _parse(await _read_capped(request))
    data, kind = _decode(body)
    # the session is synchronous: its work runs off the event loop, like a sync endpoint's
    image = await anyio.to_thread.run_sync(_store, hub, session, user, body, data, kind)
    return describe(request, image)


@router.get(
    "/{imageId}",
    summary="Get an image's bytes (our addition)",
    response_class=Response,
    responses={200: {"content": {t: {} for t in get_args(ContentType)}}},
)
def get_image(imageId: str, session: SessionDep, user: CurrentUser) -> Response:
    image = session.get(Image, imageId)
    if image is None or not user.sees(agency_id=image.agency_id, company_id=image.company_id):
        raise NotFound(f"Image {imageId} not found.", field="imageId")
    return Response(
        content=image.data,
        media_type=image.content_type,
        headers={
            "etag": f'"{image.sha256}"',
            "cache-control": "private, max-age=86400",
            "x-content-type-options": "nosniff",
            "content-security-policy": "default-src 'none'",
            "content-disposition": "inline",
        },
    )
