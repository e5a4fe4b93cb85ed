"""The printed 客户档案表 (R2, issue 8 §4): the print view and the WeasyPrint PDF, in the paper
form's order, within the user's scope."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from pypdf import PdfReader

from kam.core import printing
from kam.customers.models import CustomerYearSales

# the paper form's sections, in its order (R2)
HEADINGS = ("基本资料", "主要联系人", "性质与行业", "业务与规模", "近3年销售业绩", "同本公司的交易情况", "我方评估")


def _view(customer):
    return reverse("printing:view", args=["customer_file", customer.pk])


def _pdf(customer):
    return reverse("printing:pdf", args=["customer_file", customer.pk])


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_print_view_has_every_section_in_the_forms_order(client, world, settings):
    settings.KAM_COMPANY_NAME = "华东大客户示范有限公司"
    c = world.c_sp1
    c.annual_revenue = Decimal("12000")
    c.save()
    CustomerYearSales.objects.create(customer=c, year=2025, revenue=Decimal("1000000.07"))
    client.force_login(world.p.sp1)
    response = client.get(_view(c))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(h) for h in HEADINGS]
    assert positions == sorted(positions)
    assert "客户档案表" in html and "华东大客户示范有限公司" in html
    assert timezone.localdate().isoformat() in html
    assert c.name in html and c.contacts.first().name in html and c.code in html
    assert "12,000.00（壹万贰仟元整）" in html
    assert "壹佰万元零柒分" in html
    # the print view prints from the page: print styles, the 打印 button, no inline script
    assert "kam/print.css" in html and "data-kam-print" in html and "<script>" not in html
    assert reverse("printing:pdf", args=["customer_file", c.pk]) in html


def test_print_view_follows_the_field_order_of_the_form(client, world):
    from kam.customers.models import CUSTOMER_FILE, Customer

    client.force_login(world.p.sp1)
    html = client.get(_view(world.c_sp1)).content.decode()
    labels = [capfirst(str(Customer._meta.get_field(f.name).verbose_name)) for s in CUSTOMER_FILE for f in s.fields]
    printed = re.findall(r'<th class="kam-label">([^<]*)</th>', html)
    assert printed == labels


def test_the_customer_page_has_the_print_buttons(client, world):
    client.force_login(world.p.sp1)
    html = client.get(reverse("customers:detail", args=[world.c_sp1.pk])).content.decode()
    assert 'id="print-customer"' in html and _view(world.c_sp1) in html and _pdf(world.c_sp1) in html


@pytest.mark.parametrize(("persona", "status"), [("sp2", 404), ("sp_other", 404), ("hr", 403), ("finance", 200)])
def test_print_scope(client, world, persona, status):
    client.force_login(getattr(world.p, persona))
    assert client.get(_view(world.c_sp1)).status_code == status
    assert client.get(_pdf(world.c_sp1)).status_code == status


def test_print_needs_sign_in_and_a_known_form(client, world):
    response = client.get(_pdf(world.c_sp1))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(world.p.director)
    assert client.get(reverse("printing:view", args=["no_such_form", world.c_sp1.pk])).status_code == 404
    assert client.get(reverse("printing:view", args=["customer_file", 99999999])).status_code == 404


def test_pdf_is_a4_with_the_customer_and_page_numbers(client, world, settings):
    settings.KAM_COMPANY_NAME = "华东大客户示范有限公司"
    c = world.c_sp1
    c.notes = "长期合作，注意回款节奏。" * 400  # long text wraps onto further pages
    c.save()
    client.force_login(world.p.sp1)
    response = client.get(_pdf(c))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "filename*=UTF-8''" in response["Content-Disposition"] and c.code in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)  # A4 in mm
    pages, text = _pdf_text(response.content)
    assert pages >= 2
    flat = text.replace(" ", "").replace("\n", "")
    assert c.name in flat and "华东大客户示范有限公司" in flat and "客户档案表" in flat
    assert f"第1页/共{pages}页" in flat and f"第{pages}页/共{pages}页" in flat
    for heading in HEADINGS:
        assert heading in flat
    assert flat.count("长期合作，注意回款节奏。") >= 300  # the long text is all there, wrapped


def test_pdf_in_english(client, world, en):
    client.force_login(world.p.sp1)
    response = client.get(_pdf(world.c_sp1), HTTP_ACCEPT_LANGUAGE="en")
    pages, text = _pdf_text(response.content)
    assert f"Page 1 of {pages}" in text
    assert "Customer file form" in text


def test_user_data_cannot_make_the_pdf_fetch_anything(world):
    """Values are escaped by the template; and the renderer refuses every URL anyway."""
    fetcher = printing._refuse_urls()
    for url in ("file:///etc/passwd", "http://127.0.0.1:8000/", "data:text/plain,hi"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    html = '<html><body><p>x</p><img src="file:///etc/passwd"><img src="http://10.0.0.1/x.png"></body></html>'
    assert printing.render_pdf(html).startswith(b"%PDF")


def test_without_weasyprints_libraries_the_pdf_is_a_clear_503(client, world, monkeypatch):
    def missing():
        raise printing.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(printing, "_weasyprint", missing)
    client.force_login(world.p.sp1)
    response = client.get(_pdf(world.c_sp1))
    assert response.status_code == 503
    assert "打印页面" in response.content.decode()
    assert client.get(_view(world.c_sp1)).status_code == 200  # the print view needs no library
