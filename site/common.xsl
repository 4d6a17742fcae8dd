<?xml version="1.0" encoding="UTF-8"?>
<!-- common.xsl: the layout every HTML page shares: head (CSP, stylesheet), header, footer, status words. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">

  <!-- path from the page to the site root: '' or '../' -->
  <xsl:param name="root" select="''"/>

  <xsl:variable name="product" select="/status/page/name"/>

  <xsl:template name="head">
    <xsl:param name="title"/>
    <head>
      <meta name="viewport" content="width=device-width, initial-scale=1"/>
      <meta http-equiv="Content-Security-Policy" content="{/status/page/@csp}"/>
      <meta name="color-scheme" content="light dark"/>
      <meta name="referrer" content="no-referrer"/>
      <title><xsl:value-of select="$title"/></title>
      <link rel="stylesheet" href="{$root}style.css"/>
      <link rel="icon" type="image/svg+xml" href="{$root}favicon.svg"/>
      <link rel="alternate" type="application/atom+xml" title="{$product} incident history (Atom)" href="{$root}history.atom"/>
      <link rel="alternate" type="application/rss+xml" title="{$product} incident history (RSS)" href="{$root}history.rss"/>
    </head>
  </xsl:template>

  <xsl:template name="header">
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="{$root}index.html"><xsl:value-of select="$product"/> status</a>
      <nav aria-label="Site">
        <a href="{$root}index.html">Current status</a>
        <a href="{$root}history.html">Incident history</a>
      </nav>
    </header>
  </xsl:template>

  <xsl:template name="footer">
    <footer class="foot">
      <p>
        <xsl:value-of select="$product"/> by <xsl:value-of select="/status/page/company"/>.
        Subscribe: <a href="{$root}history.atom">Atom</a>, <a href="{$root}history.rss">RSS</a>.
        Machine-readable: <a href="{$root}api/v2/summary.json">JSON API</a>.
        All times UTC.
      </p>
    </footer>
  </xsl:template>

  <!-- A time element: <time datetime="ISO">words</time>; $t the ISO attribute, $h its -h twin. -->
  <xsl:template name="time">
    <xsl:param name="t"/>
    <xsl:param name="h"/>
    <time datetime="{$t}"><xsl:value-of select="$h"/></time>
  </xsl:template>

  <xsl:template name="impact-words">
    <xsl:param name="i"/>
    <xsl:choose>
      <xsl:when test="$i = 'critical'">Critical impact</xsl:when>
      <xsl:when test="$i = 'major'">Major impact</xsl:when>
      <xsl:when test="$i = 'minor'">Minor impact</xsl:when>
      <xsl:when test="$i = 'maintenance'">Maintenance</xsl:when>
      <xsl:otherwise>No impact</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="aws-words">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="$s = 'normal'">Operating normally</xsl:when>
      <xsl:when test="$s = 'informational'">Informational message</xsl:when>
      <xsl:when test="$s = 'degraded'">Degraded</xsl:when>
      <xsl:when test="$s = 'disruption'">Service disruption</xsl:when>
      <xsl:otherwise>Status unknown</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="rca-words">
    <xsl:choose>
      <xsl:when test="@rca = 'draft'">Draft root-cause analysis published</xsl:when>
      <xsl:when test="@rca = 'final_due'">Final root-cause analysis due</xsl:when>
      <xsl:when test="@rca = 'met'">Final root-cause analysis published</xsl:when>
    </xsl:choose>
    <xsl:if test="@rca-due">
      <xsl:text> (due </xsl:text>
      <xsl:call-template name="time"><xsl:with-param name="t" select="@rca-due"/><xsl:with-param name="h" select="@rca-due-h"/></xsl:call-template>
      <xsl:text>)</xsl:text>
    </xsl:if>
  </xsl:template>

  <!-- The AWS item behind a status, in one line. -->
  <xsl:template match="cause">
    <li class="cause">
      <span class="aws-svc"><xsl:value-of select="@service"/>
        <xsl:if test="@region"> (<xsl:value-of select="@region"/>)</xsl:if></span>
      <xsl:text>: </xsl:text>
      <strong class="aws-{@aws-state}"><xsl:call-template name="aws-words"><xsl:with-param name="s" select="@aws-state"/></xsl:call-template></strong>
      <xsl:if test="string(title) != ''">
        <xsl:text>, </xsl:text><q><xsl:value-of select="title"/></q>
      </xsl:if>
      <xsl:if test="@time">
        <xsl:text> </xsl:text>
        <xsl:call-template name="time"><xsl:with-param name="t" select="@time"/><xsl:with-param name="h" select="@time-h"/></xsl:call-template>
      </xsl:if>
    </li>
  </xsl:template>

</xsl:stylesheet>
