"""Images: JSON uploads sniffed by magic number, size limits, tenancy by company, served back."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from typing import Any

from crossdock.api.routers.images import MAX_IMAGE_BYTES
from tests.api.conftest import Api

AGENCY_A = "aaaaaaaa-0000-0000-0000-000000000000"
AGENCY_B = "bbbbbbbb-0000-0000-0000-000000000000"

# The first bytes each format starts with, then some payload; the sniffing reads only those.
SAMPLES = {
    "image/png": b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64)),
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(64)),
    "image/gif": b"GIF89a\x01\x00\x01\x00" + bytes(range(64)),
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(range(64)),
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def upload(api: Api, headers: dict[str, str], data: bytes, **fields: Any) -> Any:
    return api.client.post("/images", json={"data": b64(data), **fields}, headers=headers)


def test_each_format_is_stored_and_served_back(api: Api) -> None:
    admin = api.admin()
    cid = api.make_company(admin, agencyId=AGENCY_A)["companyId"]
    for kind, data in SAMPLES.items():
        r = upload(api, admin, data, companyId=cid, name="front")
        assert r.status_code == 201, r.text
        image = r.json()
        assert image["contentType"] == kind
        assert image["size"] == len(data)
        assert image["sha256"] == hashlib.sha256(data).hexdigest()
        assert (image["companyId"], image["agencyId"], image["name"]) == (cid, AGENCY_A, "front")
        assert image["url"].endswith(f"/images/{image['imageId']}")
        got = api.client.get(f"/images/{image['imageId']}", headers=admin)
        assert got.status_code == 200
        assert got.content == data
        assert got.headers["content-type"] == kind
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["etag"] == f'"{image["sha256"]}"'
    # a contentType that agrees with the bytes is fine
    r = upload(api, admin, SAMPLES["image/png"], companyId=cid, contentType="image/png")
    assert r.status_code == 201
    assert api.client.get("/images/nope", headers=admin).status_code == 404


def test_bodies_are_validated_naming_model_and_field(api: Api) -> None:
    admin = api.admin()
    cid = api.make_company(admin, agencyId=AGENCY_A)["companyId"]
    png = b64(SAMPLES["image/png"])
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    cases: list[tuple[dict[str, Any], str, str | None]] = [
        ({"companyId": cid}, "data", "Field required."),
        ({"data": png, "companyId": cid, "color": "red"}, "color", "Unknown field."),
        ({"data": "not base64!", "companyId": cid}, "data", "Not valid base64."),
        ({"data": "", "companyId": cid}, "data", "The image is empty."),
        ({"data": b64(svg), "companyId": cid}, "data", "Not a PNG, JPEG, GIF or WebP image."),
        ({"data": b64(b"hello"), "companyId": cid}, "data", None),
        ({"data": png, "companyId": cid, "contentType": "image/gif"}, "contentType", None),
        ({"data": png, "companyId": cid, "contentType": "image/svg+xml"}, "contentType", None),
        ({"data": png}, "companyId", "Field required."),
        ({"data": 5, "companyId": cid}, "data", None),
    ]
    for body, field, detail in cases:
        r = api.client.post("/images", json=body, headers=admin)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["field"] == f"CreateImageModel.{field}", (body, r.json())
        if detail is not None:
            assert r.json()["detail"] == detail
    r = api.client.post("/images", content=b"{not json", headers=admin | json_type())
    assert (r.status_code, r.json()["detail"]) == (400, "The body is not valid JSON.")
    r = api.client.post("/images", content=b"[1]", headers=admin | json_type())
    assert (r.status_code, r.json()["detail"]) == (400, "The body must be a JSON object.")
    r = api.client.post(
        "/images", content=SAMPLES["image/png"], headers=admin | {"content-type": "image/png"}
    )
    assert (r.status_code, r.json()["field"]) == (400, "content-type")
    r = api.client.post("/images", json={"data": png, "companyId": cid})
    assert r.status_code == 401


def json_type() -> dict[str, str]:
    return {"content-type": "application/json"}


def test_size_limits_answer_413(api: Api) -> None:
    admin = api.admin()
    cid = api.make_company(admin, agencyId=AGENCY_A)["companyId"]
    just_over = SAMPLES["image/png"] + bytes(MAX_IMAGE_BYTES + 1 - len(SAMPLES["image/png"]))
    r = upload(api, admin, just_over, companyId=cid)
    assert (r.status_code, r.json()["field"]) == (413, "CreateImageModel.data")
    r = upload(api, admin, just_over[:MAX_IMAGE_BYTES], companyId=cid)
    assert r.status_code == 201
    assert r.json()["size"] == MAX_IMAGE_BYTES
    # far too large: refused while reading, declared length or not (a chunked upload)
    huge = b'{"data": "' + b"A" * (MAX_IMAGE_BYTES * 2) + b'"}'
    r = api.client.post("/images", content=huge, headers=admin | json_type())
    assert (r.status_code, r.json()["field"]) == (413, "CreateImageModel")

    def chunks() -> Iterator[bytes]:
        for i in range(0, len(huge), 1 << 20):
            yield huge[i : i + (1 << 20)]

    r = api.client.post("/images", content=chunks(), headers=admin | json_type())
    assert r.status_code == 413


def test_images_belong_to_a_company(api: Api) -> None:
    admin = api.admin()
    a1 = api.make_company(admin, agencyId=AGENCY_A, name="A1")["companyId"]
    a2 = api.make_company(admin, agencyId=AGENCY_A, name="A2")["companyId"]
    b1 = api.make_company(admin, agencyId=AGENCY_B, name="B1")["companyId"]
    agency = api.make_user(admin, "agency@t", "agency", agencyId=AGENCY_A)
    company = api.make_user(admin, "company@t", "company", companyId=a1)
    neighbour = api.make_user(admin, "company-a2@t", "company", companyId=a2)
    png = SAMPLES["image/png"]

    r = upload(api, company, png)
    assert (r.status_code, r.json()["companyId"]) == (201, a1)
    own = f"/images/{r.json()['imageId']}"
    r = upload(api, company, png, companyId=a2)
    assert (r.status_code, r.json()["field"]) == (403, "CreateImageModel.companyId")
    r = upload(api, agency, png, companyId=a2)
    assert (r.status_code, r.json()["agencyId"]) == (201, AGENCY_A)
    assert upload(api, agency, png, companyId=b1).status_code == 404
    r = upload(api, agency, png)
    assert (r.status_code, r.json()["field"]) == (400, "CreateImageModel.companyId")

    assert api.client.get(own, headers=company).content == png
    assert api.client.get(own, headers=agency).status_code == 200
    assert api.client.get(own, headers=admin).status_code == 200
    assert api.client.get(own, headers=neighbour).status_code == 404
    assert api.client.get(own).status_code == 401
