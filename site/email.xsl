<?xml version="1.0" encoding="UTF-8"?>
<!-- email.xsl: the HTML part of a subscriber's mail: one centred 600 px table, inline styles, no external resources. -->
<!--
  Mail clients are not browsers: many drop <style> and <head>, some ignore
  max-width on a div, none should fetch anything. So the layout is nested
  tables with inline styles (the small <style> only adds what a client that
  keeps it can use: dark backgrounds off, the card full width on a phone),
  fonts are the system's, every font size is at least 14px, there is no
  image, script or form. The words come ready-made from
  publisher/email/mail_render.c (the same as the text part); text is
  written with xsl:value-of only, so libxslt escapes it.

  The model (times already in words, UTC):
  <mail kind="incident|maintenance|rca|confirm|welcome_back" status="investigating|...">
    <product/> <subject/> <headline/> <announce/>?          announce: "Investigating", "Maintenance scheduled"
    <para/>* <link kind="action" label href?/>? <para/>*     confirm, welcome_back: the sentences and, in
                                                             their order, the confirm or manage link
                                                             (href only for http(s))
    <facts><fact name="Priority|Since|Starts|Resolved|Ends|Next update by"/>*</facts>?
    <components><component status><name/><label/></component>*</components>?
    <rca><line/>*</rca>? | <link kind="rca" label href?/>?
    <updates><update status><time/><label/><body><line/>*</body></update>*</updates>?
    <link kind="page" label href?/>?
    <footer><para/> <link kind="manage|unsubscribe|site" label href?/>*</footer>
  </mail>
-->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="html" encoding="UTF-8" doctype-system="about:legacy-compat" indent="no"/>

  <xsl:variable name="font">-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif</xsl:variable>
  <xsl:variable name="ink">#1f2328</xsl:variable>
  <xsl:variable name="muted">#57606a</xsl:variable>
  <xsl:variable name="link">#0969da</xsl:variable>
  <xsl:variable name="line">#d0d7de</xsl:variable>
  <xsl:variable name="cell" select="concat('padding:0 24px 16px 24px;font-family:', $font, ';font-size:16px;line-height:1.5;color:', $ink, ';')"/>

  <xsl:template match="/mail">
    <html lang="en">
      <head>
        <meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light"/>
        <meta name="supported-color-schemes" content="light"/>
        <title><xsl:value-of select="subject"/></title>
        <style>
          body { margin: 0; padding: 0; -webkit-text-size-adjust: 100%; }
          table { border-collapse: collapse; }
          a { color: #0969da; }
          @media (max-width: 620px) { .card { width: 100% !important; } .pad { padding-left: 16px !important; padding-right: 16px !important; } }
        </style>
      </head>
      <body style="margin:0;padding:0;background-color:#f3f4f6;">
        <!-- the line a mail list shows under the subject -->
        <div style="display:none;max-height:0;overflow:hidden;mso-hide:all;"><xsl:value-of select="headline"/></div>
        <table role="presentation" width="100%" border="0" cellpadding="0" cellspacing="0" style="background-color:#f3f4f6;">
          <tr>
            <td align="center" style="padding:16px 8px;">
              <table role="presentation" class="card" width="600" border="0" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid {$line};border-radius:6px;">
                <tr>
                  <td class="pad" style="padding:20px 24px 4px 24px;font-family:{$font};font-size:14px;line-height:1.4;color:{$muted};">
                    <xsl:value-of select="product"/><xsl:text> status</xsl:text>
                  </td>
                </tr>
                <tr>
                  <td class="pad" style="{$cell}">
                    <h1 style="margin:0;font-family:{$font};font-size:22px;line-height:1.3;font-weight:bold;color:{$ink};"><xsl:value-of select="headline"/></h1>
                  </td>
                </tr>
                <xsl:if test="announce and facts">
                  <tr>
                    <td class="pad" style="{$cell}">
                      <xsl:call-template name="badge">
                        <xsl:with-param name="colour"><xsl:call-template name="status-colour"><xsl:with-param name="s" select="@status"/></xsl:call-template></xsl:with-param>
                        <xsl:with-param name="text" select="announce"/>
                      </xsl:call-template>
                    </td>
                  </tr>
                </xsl:if>
                <xsl:apply-templates select="para | link[@kind = 'action']"/>
                <xsl:apply-templates select="facts[fact] | components"/>
                <xsl:apply-templates select="rca | link[@kind = 'rca']"/>
                <xsl:apply-templates select="updates"/>
                <xsl:apply-templates select="link[@kind = 'page']"/>
              </table>
              <xsl:apply-templates select="footer"/>
            </td>
          </tr>
        </table>
      </body>
    </html>
  </xsl:template>

  <!-- A paragraph of the CONFIRM and WELCOME_BACK mails. -->
  <xsl:template match="para">
    <tr><td class="pad" style="{$cell}"><p style="margin:0;"><xsl:value-of select="."/></p></td></tr>
  </xsl:template>

  <!-- The one thing to do: a button (a coloured cell, as clients draw it), then the address itself. -->
  <xsl:template match="link[@kind = 'action']">
    <tr>
      <td class="pad" style="{$cell}">
        <xsl:choose>
          <xsl:when test="@href">
            <table role="presentation" border="0" cellpadding="0" cellspacing="0">
              <tr>
                <td bgcolor="{$link}" style="background-color:{$link};border-radius:6px;">
                  <a href="{@href}" style="display:inline-block;padding:12px 20px;font-family:{$font};font-size:16px;font-weight:bold;line-height:1.2;color:#ffffff;text-decoration:none;"><xsl:value-of select="@label"/></a>
                </td>
              </tr>
            </table>
            <p style="margin:12px 0 0 0;font-size:14px;color:{$muted};word-break:break-all;">
              <xsl:text>If the button does not work, open this address: </xsl:text>
              <a href="{@href}" style="color:{$link};"><xsl:value-of select="."/></a>
            </p>
          </xsl:when>
          <xsl:otherwise><p style="margin:0;word-break:break-all;"><xsl:value-of select="."/></p></xsl:otherwise>
        </xsl:choose>
      </td>
    </tr>
  </xsl:template>

  <!-- Priority, times: a two-column table. -->
  <xsl:template match="facts">
    <tr>
      <td class="pad" style="{$cell}">
        <table role="presentation" width="100%" border="0" cellpadding="0" cellspacing="0">
          <xsl:for-each select="fact">
            <tr>
              <td valign="top" style="padding:4px 12px 4px 0;font-family:{$font};font-size:14px;line-height:1.4;color:{$muted};white-space:nowrap;"><xsl:value-of select="@name"/></td>
              <td valign="top" style="padding:4px 0;font-family:{$font};font-size:16px;line-height:1.4;color:{$ink};"><xsl:value-of select="."/></td>
            </tr>
          </xsl:for-each>
        </table>
      </td>
    </tr>
  </xsl:template>

  <!-- The affected components, each with its status in words and colour. -->
  <xsl:template match="components">
    <tr>
      <td class="pad" style="{$cell}">
        <h2 style="margin:0 0 8px 0;font-family:{$font};font-size:16px;font-weight:bold;color:{$ink};">Affected</h2>
        <table role="presentation" width="100%" border="0" cellpadding="0" cellspacing="0" style="border-top:1px solid {$line};">
          <xsl:for-each select="component">
            <tr>
              <td style="padding:8px 12px 8px 0;border-bottom:1px solid {$line};font-family:{$font};font-size:16px;line-height:1.4;color:{$ink};"><xsl:value-of select="name"/></td>
              <td align="right">
                <xsl:attribute name="style">
                  <xsl:text>padding:8px 0;border-bottom:1px solid </xsl:text><xsl:value-of select="$line"/>
                  <xsl:text>;font-family:</xsl:text><xsl:value-of select="$font"/>
                  <xsl:text>;font-size:14px;line-height:1.4;font-weight:bold;white-space:nowrap;color:</xsl:text>
                  <xsl:call-template name="component-colour"><xsl:with-param name="s" select="@status"/></xsl:call-template>
                  <xsl:text>;</xsl:text>
                </xsl:attribute>
                <xsl:value-of select="label"/>
              </td>
            </tr>
          </xsl:for-each>
        </table>
      </td>
    </tr>
  </xsl:template>

  <!-- The root-cause analysis, as its text or as a link to it. -->
  <xsl:template match="rca">
    <tr>
      <td class="pad" style="{$cell}">
        <h2 style="margin:0 0 8px 0;font-family:{$font};font-size:16px;font-weight:bold;color:{$ink};">Root-cause analysis</h2>
        <p style="margin:0;"><xsl:apply-templates select="line"/></p>
      </td>
    </tr>
  </xsl:template>

  <xsl:template match="link[@kind = 'rca'] | link[@kind = 'page']">
    <tr>
      <td class="pad" style="{$cell}">
        <p style="margin:0;word-break:break-all;">
          <xsl:value-of select="@label"/><xsl:text>: </xsl:text>
          <xsl:call-template name="a"/>
        </p>
      </td>
    </tr>
  </xsl:template>

  <!-- The updates, newest first: time and status, then the text as it was written. -->
  <xsl:template match="updates">
    <tr>
      <td class="pad" style="{$cell}">
        <h2 style="margin:0 0 8px 0;font-family:{$font};font-size:16px;font-weight:bold;color:{$ink};">Updates</h2>
        <xsl:for-each select="update">
          <div style="margin:0 0 12px 0;padding:0 0 0 12px;border-left:3px solid {$line};">
            <p style="margin:0 0 4px 0;font-size:14px;color:{$muted};">
              <xsl:value-of select="time"/><xsl:text> - </xsl:text>
              <strong style="color:{$ink};"><xsl:value-of select="label"/></strong>
            </p>
            <p style="margin:0;font-size:16px;line-height:1.5;color:{$ink};"><xsl:apply-templates select="body/line"/></p>
          </div>
        </xsl:for-each>
      </td>
    </tr>
  </xsl:template>

  <!-- Lines of a text: an empty one is a blank line. -->
  <xsl:template match="line">
    <xsl:value-of select="."/>
    <xsl:if test="position() != last()"><br/></xsl:if>
  </xsl:template>

  <!-- Why the mail came, and the ways out. -->
  <xsl:template match="footer">
    <table role="presentation" class="card" width="600" border="0" cellpadding="0" cellspacing="0" style="width:100%;max-width:600px;">
      <tr>
        <td class="pad" style="padding:16px 24px;font-family:{$font};font-size:14px;line-height:1.5;color:{$muted};">
          <p style="margin:0 0 8px 0;"><xsl:value-of select="para"/></p>
          <xsl:if test="link">
            <p style="margin:0;">
              <xsl:for-each select="link">
                <xsl:call-template name="a"/>
                <xsl:if test="position() != last()"><xsl:text> | </xsl:text></xsl:if>
              </xsl:for-each>
            </p>
          </xsl:if>
        </td>
      </tr>
    </table>
  </xsl:template>

  <!-- A link element as a link when it has a web address (the label in the footer, the address elsewhere), else as text. -->
  <xsl:template name="a">
    <xsl:variable name="words">
      <xsl:choose>
        <xsl:when test="ancestor::footer"><xsl:value-of select="@label"/></xsl:when>
        <xsl:otherwise><xsl:value-of select="."/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="@href"><a href="{@href}" style="color:{$link};"><xsl:value-of select="$words"/></a></xsl:when>
      <xsl:otherwise><xsl:value-of select="$words"/><xsl:if test="ancestor::footer"><xsl:text>: </xsl:text><xsl:value-of select="."/></xsl:if></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="badge">
    <xsl:param name="colour"/>
    <xsl:param name="text"/>
    <span style="display:inline-block;padding:2px 10px;border-radius:12px;background-color:{$colour};color:#ffffff;font-family:{$font};font-size:14px;font-weight:bold;line-height:1.6;"><xsl:value-of select="$text"/></span>
  </xsl:template>

  <xsl:template name="status-colour">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="$s = 'investigating' or $s = 'identified'">#cf222e</xsl:when>
      <xsl:when test="$s = 'monitoring'">#9a6700</xsl:when>
      <xsl:when test="$s = 'resolved' or $s = 'completed' or $s = 'postmortem'">#1a7f37</xsl:when>
      <xsl:when test="$s = 'scheduled' or $s = 'in_progress' or $s = 'verifying'">#0969da</xsl:when>
      <xsl:otherwise>#57606a</xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="component-colour">
    <xsl:param name="s"/>
    <xsl:choose>
      <xsl:when test="$s = 'operational'">#1a7f37</xsl:when>
      <xsl:when test="$s = 'degraded_performance'">#9a6700</xsl:when>
      <xsl:when test="$s = 'partial_outage'">#bc4c00</xsl:when>
      <xsl:when test="$s = 'major_outage'">#cf222e</xsl:when>
      <xsl:when test="$s = 'under_maintenance'">#0969da</xsl:when>
      <xsl:otherwise>#57606a</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
